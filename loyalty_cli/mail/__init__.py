"""Mail to members: the letters of each campaign (`letters.py`, `templates.py`, the campaigns)
and the runner that sends them once per member through the outbox (`sending.py`)."""

"""Storage: where a shop's data lives, behind one unit of work (`unit_of_work.py`).

`folder/` is the data folder, the embedded default; `postgres/` a programme shared by
several tills (`--database URL`). What holds on either store (backups, archives, moving a
shop from one store to another) sits here. Nothing in storage imports the programme's
rules or services (points, verification, privacy ...): the command layer composes them.
See docs/architecture.md.
"""

"""Prize draws: the draw (`draw.py`), who enters it (`entrants.py`) and the fair-draw algorithm."""

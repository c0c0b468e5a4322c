"""The demo shop: programme settings, members, a partner café, 18 months of purchases and a
small rewards catalogue, from sample_data/."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from loyalty_cli import clock, importing, member_import, partners, program, rewards
from loyalty_cli.storage.unit_of_work import Shop


def sample_dir() -> Path:
    """Where the installed sample data lives."""
    return Path(str(resources.files("loyalty_cli.sample_data")))


def sample_settings() -> dict:
    """The demo programme's settings."""
    text = (sample_dir() / "program.json").read_text(encoding="utf-8")
    return program.new_settings(**json.loads(text))


def load_sample(shop: Shop, *, now: clock.Clock, operator: str) -> list[importing.ImportResult]:
    """Import the sample members and purchases through the ordinary import path."""
    results = []
    folder = sample_dir()
    add_partners(shop, folder / "partners.csv", now=now, operator=operator)
    for name, required, run, options in (
        ("members.csv", member_import.MEMBER_COLUMNS, member_import.import_members, {"welcome": True}),
        ("purchases.csv", importing.PURCHASE_COLUMNS, importing.import_purchases, {}),
    ):
        sheet = importing.read_rows(folder / name, required)
        results.append(run(shop, sheet, now=now, operator=operator, **options))
    for reward in json.loads((folder / "rewards.json").read_text(encoding="utf-8")):
        rewards.add(shop, reward["name"], reward["points"], at=now.now, stock=reward.get("stock"))
    return results


def add_partners(shop: Shop, path: Path, *, now: clock.Clock, operator: str) -> None:
    """The demo shop's partner shops (name,redeem_value), before the purchases that name them."""
    import csv

    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            value = row.get("redeem_value") or None
            partners.add(shop, row["name"], redeem_value=value, at=now.now, operator=operator)

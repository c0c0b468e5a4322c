"""Exports: the members and the ledger as rows, for spreadsheets and other programs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from loyalty_cli import clock, projection
from loyalty_cli.money import to_text
from loyalty_cli.storage.unit_of_work import Shop

MEMBER_COLUMNS = [
    "card",
    "name",
    "phone",
    "email",
    "birthday",
    "consent",
    "status",
    "tier",
    "enrolled_at",
    "referred_by",
    "balance",
    "purchases",
    "last_purchase",
    "spend_12m",
    "language",  # en, lv or ru: the language of the member's statements
]
MEMBER_NUMERIC = ("balance", "purchases", "spend_12m")
LEDGER_COLUMNS = [
    "id",
    "at",
    "date",
    "time",
    "card",
    "kind",
    "points",
    "amount",
    # A purchase with a discount or paid with points (`amount` is then what was paid in money).
    "total",
    "discount_percent",
    "discount",
    "paid_points",
    "paid_value",
    "month",
    "receipt",
    "rate",
    "multiplier",
    "reason",
    "store",
    "partner",  # earn, redeem and their refunds at a partner shop
    "reward",  # redeem --reward: the reward taken
    "plan",  # membership: the plan bought or renewed, its fee and last day
    "fee",
    "until",
    "ref",
    "to_card",  # replace, merge: the card the history moved to
    "operator",
]
LEDGER_NUMERIC = (
    "id",
    "points",
    "amount",
    "rate",
    "multiplier",
    "ref",
    "total",
    "discount_percent",
    "discount",
    "paid_points",
    "paid_value",
    "fee",
)


def members(shop: Shop, start: date | None, end: date | None, today: date) -> list[dict]:
    """Every member (enrolled from `start` to `end`, when given), with balance and 12-month spend."""
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(start, tz)) if start else None
    until = clock.iso(clock.end_of_day(end, tz)) if end else None
    rows = []
    for doc in shop.members.all():
        if (since and doc["enrolled_at"] < since) or (until and doc["enrolled_at"] > until):
            continue
        points = doc["points"]
        rows.append(
            {
                **{key: doc.get(key) for key in MEMBER_COLUMNS[:10]},
                "consent": bool(doc.get("consent")),
                "balance": points["balance"],
                "purchases": points["purchases"],
                "last_purchase": points["last_purchase"],
                "spend_12m": to_text(projection.spend_in_window(points, today)),
                "language": doc.get("language"),
            }
        )
    return rows


def ledger(shop: Shop, start: date | None, end: date | None) -> Iterator[dict]:
    """Ledger entries recorded from `start` to `end` (shop-local days), in ledger order.

    Each row is the stored entry plus `date` and `time` (HH:MM), its shop-local day and time.
    """
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(start, tz)) if start else None
    until = clock.iso(clock.end_of_day(end, tz)) if end else None
    for entry in shop.ledger.entries(since=since, until=until):
        doc = entry.to_doc()
        local = clock.from_iso(entry.at).astimezone(tz)
        doc["date"], doc["time"] = local.date().isoformat(), local.strftime("%H:%M")
        yield doc

"""Who enters a draw, with how many tickets: from the ledger, as it stood when the draw was held.

Tickets come from purchases in the window (shop time, both days included):

- `purchase`: one ticket per purchase that was not refunded in full;
- `spend:AMOUNT`: one ticket per AMOUNT of net spend (purchases less their refunds);
- `points`: one ticket per point the window's purchases earned and kept after refunds.

Only entries up to the draw's last ledger id count, so refunds recorded after the draw do
not change it, and `draw verify` sees exactly what the draw saw. Purchases on a card that
was replaced or merged by then count for the card it moved to.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from loyalty_cli import card_moves, clock, tiers
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _
from loyalty_cli.money import parse_amount
from loyalty_cli.storage.unit_of_work import Shop


@dataclass(frozen=True)
class Window:
    """The days whose purchases earn tickets, in the shop's timezone."""

    first: date
    last: date

    def to_json(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def parse_ticket_rule(text: str) -> str:
    """purchase, points or spend:AMOUNT (AMOUNT > 0)."""
    rule = str(text).strip().lower()
    if rule in ("purchase", "points"):
        return rule
    if rule.startswith("spend:"):
        amount = parse_amount(rule[6:])
        return f"spend:{amount}"
    raise InvalidInput(_("--tickets {text}: use purchase, points or spend:AMOUNT").format(text=repr(text)))


def tickets_by_card(shop: Shop, window: Window, rule: str, last_id: int) -> dict[str, int]:
    """Tickets each member earned in the window, counting entries with id <= last_id."""
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(window.first, tz))
    until = clock.iso(clock.end_of_day(window.last, tz))
    purchases = {}
    refunded: dict[int, Decimal] = defaultdict(Decimal)
    taken: dict[int, int] = defaultdict(int)
    moved: dict[str, str] = {}
    # Refunds of the window's purchases may come later than the window: read on from its start.
    for entry in shop.ledger.entries(since=since):
        if entry.id > last_id:
            continue
        if entry.kind in card_moves.MOVE_KINDS and entry.to_card:
            moved[entry.card] = entry.to_card
        elif entry.kind == "earn" and entry.at <= until:
            purchases[entry.id] = entry
        elif entry.kind == "refund" and entry.ref in purchases and entry.amount:
            refunded[entry.ref] += Decimal(entry.amount)
            taken[entry.ref] -= entry.points
    spend: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for entry_id, purchase in purchases.items():
        net = Decimal(purchase.amount) - refunded[entry_id]
        if net <= 0:
            continue
        # The tickets of a card replaced or merged before the draw count for the card it moved to.
        card = card_moves.resolve(moved, purchase.card)
        spend[card] += net
        if rule == "purchase":
            counts[card] += 1
        elif rule == "points":
            counts[card] += purchase.points - taken[entry_id]
    if rule.startswith("spend:"):
        unit = Decimal(rule[6:])
        for card, total in spend.items():
            counts[card] = int((total / unit).to_integral_value(rounding=ROUND_FLOOR))
    return {card: n for card, n in counts.items() if n >= 1}


def exclusions(shop: Shop, cards, *, min_tier: str | None, recent_winners: set[str]) -> dict[str, str]:
    """Why each of `cards` may not enter: not active, below the tier, won recently.

    The reasons are part of the stored draw record, so they stay in English whatever the
    operator's language (the record and its hashes must not depend on who ran the draw).
    """
    programme = shop.programme()
    order = [t.name for t in programme.tiers]
    floor = order.index(min_tier) if min_tier else 0
    excluded = {}
    for card in cards:
        member = shop.members.get(card)
        if member is None or member["status"] != "active":
            excluded[card] = f"not active ({member['status'] if member else 'unknown'})"
            continue
        held = tiers.current(programme, member)
        if min_tier and (held is None or order.index(held.name) < floor):
            excluded[card] = f"below {min_tier}"
        elif card in recent_winners:
            excluded[card] = "won a recent draw"
    return excluded


def check_tier(shop: Shop, name: str | None) -> str | None:
    """The programme's spelling of a tier name, or InvalidInput."""
    if not name:
        return None
    for tier in shop.programme().tiers:
        if tier.name.casefold() == name.casefold():
            return tier.name
    if not shop.programme().tiers:
        raise InvalidInput(_("--min-tier {name}: the programme has no tiers").format(name=repr(name)))
    known = ", ".join(t.name for t in shop.programme().tiers)
    raise InvalidInput(
        _("--min-tier {name} is not a tier of the programme (tiers: {known})").format(
            name=repr(name), known=known
        )
    )

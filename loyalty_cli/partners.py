"""Partner shops: a coalition in which other shops earn and redeem the programme's points.

A partner is a record in the store (`shop.partners`, by name) with the value at which its
points are settled (`redeem_value`: by default the programme's redeem.value when the
partner is added). A purchase or a redemption at a partner names it on its entry
(`partner`); refunds of such a purchase carry the same partner, so that they net out.
The points themselves are ordinary points: they join the member's lots, expire and are
refunded as any others.

Settlement (`settle`) over a period of shop-local days, per partner:

    issued   = points earned at the partner, less those its refunds took back
    redeemed = points redeemed at the partner, less those its refunds gave back
    due      = (issued - redeemed) x the partner's redeem_value, to the cent

A positive `due` is what the partner pays the programme (its customers took points away
that the programme will honour); a negative one is what the programme pays the partner
(the partner took points instead of money). Points that expire unspent are not settled:
the programme keeps them. The shop's own purchases and redemptions make a row of their
own, with nothing due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from loyalty_cli import checkout, clock, formats, text_fields
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import N_, _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.money import CENT, parse_rate
from loyalty_cli.storage.unit_of_work import Shop

# The row of the shop's own purchases in a settlement (stored in JSON and CSV as it is).
OWN_SHOP = N_("(own shop)")
KINDS_SETTLED = ("earn", "redeem", "refund")


def add(shop: Shop, name: str, *, redeem_value: str | None, at: datetime, operator: str) -> dict:
    """A new partner; a name already taken (in any letter case) is refused."""
    name = check_name(name)
    taken = find(shop, name)
    if taken is not None:
        raise Refused(_("there is already a partner shop named {name}").format(name=taken["name"]))
    value = _value(shop, redeem_value)
    doc = {"name": name, "redeem_value": str(value), "added_at": clock.iso(at), "operator": operator}
    shop.partners.put(doc)
    return doc


def edit(shop: Shop, name: str, *, redeem_value: str) -> dict:
    """Change the value a partner's points are settled at (every settlement from then on)."""
    doc = require(shop, name)
    doc["redeem_value"] = str(_value(shop, redeem_value))
    shop.partners.put(doc)
    return doc


def find(shop: Shop, name: str) -> dict | None:
    """The partner of this name, written in any letter case, or None."""
    return shop.partners.named(name)


def require(shop: Shop, name: str) -> dict:
    """The partner of this name, or Refused (exit 1)."""
    doc = find(shop, name)
    if doc is None:
        raise Refused(
            _("no partner shop named {name}; see `loyalty partner list`").format(
                name=" ".join(str(name).split())
            )
        )
    return doc


def name_of(shop: Shop, name: str | None) -> str | None:
    """The stored name of the partner a command names (None: the shop itself)."""
    return None if name is None else require(shop, name)["name"]


def check_name(name: str) -> str:
    """A partner's name as stored: one line, not empty, not the own shop's row."""
    text = text_fields.clean(name, N_("partner name")) or ""
    if not text:
        raise InvalidInput(_("the partner name must not be empty"))
    if text.casefold() in (OWN_SHOP.casefold(), _(OWN_SHOP).casefold()):
        raise InvalidInput(_("{name} names the shop itself; choose another name").format(name=text))
    return text


def _value(shop: Shop, text: str | None) -> Decimal:
    programme = shop.programme()
    if text is None:
        return checkout.unit_value(programme)
    if programme.cashback:
        raise InvalidInput(_("cashback is money and is settled at its face value: leave out --redeem-value"))
    value = parse_rate(text, "--redeem-value")
    if value <= 0:
        raise InvalidInput(_("--redeem-value must be more than 0, not {text!r}").format(text=text))
    return value


def value(programme, doc: dict) -> Decimal:
    """What one unit of a partner's balance is settled at: its `redeem_value`, or in a
    cashback programme the face value of a cent (also for a partner added while the
    programme was still in points)."""
    if programme.cashback:
        return checkout.unit_value(programme)
    return Decimal(doc["redeem_value"])


@dataclass
class Settlement:
    """One row of a settlement: a partner (or the own shop, `partner` None)."""

    partner: str | None
    redeem_value: Decimal | None
    points_issued: int = 0
    points_redeemed: int = 0

    @property
    def net_points(self) -> int:
        return self.points_issued - self.points_redeemed

    @property
    def due(self) -> Decimal | None:
        """What the partner pays the programme (negative: what it is paid); None for the shop."""
        if self.redeem_value is None:
            return None
        return (self.net_points * self.redeem_value).quantize(CENT, rounding=ROUND_HALF_UP)

    def count(self, entry: LedgerEntry) -> None:
        if entry.kind == "earn":
            self.points_issued += entry.points
        elif entry.kind == "redeem":
            self.points_redeemed -= entry.points
        elif entry.amount is not None:  # a refund taking a purchase's points back
            self.points_issued += entry.points
        else:  # a refund giving redeemed points back
            self.points_redeemed -= entry.points


@dataclass(frozen=True)
class Report:
    """The settlement of `first` to `last` (shop-local days, both included)."""

    first: date
    last: date
    currency: str
    partners: tuple[Settlement, ...]
    own_shop: Settlement

    @property
    def total_due(self) -> Decimal:
        return sum((row.due for row in self.partners), Decimal("0.00"))


def settle(shop: Shop, first: date, last: date) -> Report:
    """Points issued and redeemed at each partner from `first` to `last`, and what is due."""
    if first > last:
        raise InvalidInput(
            _("the period starts ({first}) after it ends ({last})").format(
                first=formats.day(first), last=formats.day(last)
            )
        )
    programme = shop.programme()
    rows = {
        doc["name"]: Settlement(doc["name"], value(programme, doc))
        for doc in sorted(shop.partners.all(), key=lambda d: d["name"].casefold())
    }
    own = Settlement(None, None)
    since = clock.iso(clock.start_of_day(first, programme.tz))
    until = clock.iso(clock.end_of_day(last, programme.tz))
    for entry in shop.ledger.entries(since=since, until=until):
        if entry.kind not in KINDS_SETTLED or not entry.points:
            continue
        if entry.partner is None:
            own.count(entry)
        else:  # a partner missing from the table is reported by verify; settled all the same
            rows.setdefault(entry.partner, Settlement(entry.partner, checkout.unit_value(programme)))
            rows[entry.partner].count(entry)
    return Report(first, last, programme.currency, tuple(rows.values()), own)


def check(shop: Shop, entries: list[LedgerEntry]):
    """verify: every entry's partner is in the partners table."""
    known = {doc["name"] for doc in shop.partners.all()}
    for entry in entries:
        if entry.partner is not None and entry.partner not in known:
            yield _("entry {id}: partner shop {partner} is not in the partners table").format(
                id=entry.id, partner=repr(entry.partner)
            )

"""Refunds: take back a purchase's points in proportion, at the rate it earned.

After refunds totalling R of a purchase of P that earned E points, the member keeps
floor((P - R) x rate x multiplier) of them (rate and multiplier from the purchase), so each
refund takes back E minus that minus what earlier refunds took. A refund never fails for
lack of points: what the lots cannot cover becomes a debt that later earnings pay first.
Points redeemed under the same receipt come back in proportion, in their original lots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from . import clock, lots, points, text_fields
from .errors import InvalidInput, Refused
from .ledger import LedgerEntry
from .money import points_for, to_text
from .shop import Shop


@dataclass(frozen=True)
class RefundResult:
    """What a refund did."""

    card: str
    receipt: str
    amount: Decimal
    points_taken: int
    points_returned: int
    refunded_total: Decimal
    balance: int

    def to_json(self) -> dict:
        return {
            "card": self.card,
            "receipt": self.receipt,
            "amount": to_text(self.amount),
            "points": -self.points_taken + self.points_returned,
            "points_taken": self.points_taken,
            "points_returned": self.points_returned,
            "refunded_total": to_text(self.refunded_total),
            "balance": self.balance,
        }


def refund(
    shop: Shop,
    receipt: str,
    amount: Decimal | None,
    *,
    at: datetime,
    operator: str,
    reason: str | None = None,
) -> RefundResult:
    """Refund all that is left of a purchase, or `amount` of it."""
    receipt = " ".join(str(receipt).split())
    entries = shop.ledger.by_receipt(receipt)
    purchase = next((e for e in entries if e.kind == "earn"), None)
    if purchase is None:
        raise Refused(f"no purchase was recorded with receipt {receipt}")
    earlier = [e for e in entries if e.kind == "refund" and e.ref == purchase.id and e.amount]
    price = Decimal(purchase.amount)
    refunded = sum((Decimal(e.amount) for e in earlier), Decimal(0))
    left = price - refunded
    if left <= 0:
        raise Refused(f"receipt {receipt} has already been refunded in full ({to_text(price)})")
    if amount is None:
        amount = left
    if amount > left:
        raise Refused(
            f"receipt {receipt} has {to_text(left)} left to refund of {to_text(price)}; "
            f"cannot refund {to_text(amount)}"
        )
    if clock.iso(at) < purchase.at:
        raise InvalidInput("a refund cannot be dated before its purchase")
    member = shop.members.require(purchase.card)
    total = refunded + amount
    taken = _points_to_take(purchase, earlier, total)
    returned = _points_to_return(entries, price, total)
    text = text_fields.clean(reason, "reason") or None
    # The points leave the purchase's own lot first, then the soonest-expiring ones.
    first = next((k for k, v in purchase.lots.items() if v > 0 and k != lots.DEBT), None)
    points.record(
        shop,
        member,
        at=at,
        operator=operator,
        kind="refund",
        points=-taken,
        lots=lots.spend(member["points"]["lots"], taken, first=first) if taken else {},
        amount=to_text(amount),
        month=purchase.month,
        receipt=receipt,
        ref=purchase.id,
        reason=text,
    )
    for redemption, count in returned:
        points.record(
            shop,
            member,
            at=at,
            operator=operator,
            kind="refund",
            points=count,
            lots=_give_back(member["points"]["lots"], redemption, entries, count),
            receipt=receipt,
            ref=redemption.id,
            reason=text or "points spent on a refunded purchase",
        )
    return RefundResult(
        card=member["card"],
        receipt=receipt,
        amount=amount,
        points_taken=taken,
        points_returned=sum(c for _r, c in returned),
        refunded_total=total,
        balance=member["points"]["balance"],
    )


def _points_to_take(purchase: LedgerEntry, earlier: list[LedgerEntry], total: Decimal) -> int:
    kept = points_for(Decimal(purchase.amount) - total, Decimal(purchase.rate), Decimal(purchase.multiplier))
    already = -sum(e.points for e in earlier)
    return max(0, purchase.points - min(kept, purchase.points) - already)


def _points_to_return(entries: list[LedgerEntry], price: Decimal, total: Decimal):
    """(redemption, points to give back now) for redemptions under the refunded receipt."""
    result = []
    for redemption in (e for e in entries if e.kind == "redeem"):
        back_already = sum(e.points for e in entries if e.kind == "refund" and e.ref == redemption.id)
        due = int((-redemption.points * total / price).to_integral_value(rounding=ROUND_FLOOR))
        if due - back_already > 0:
            result.append((redemption, due - back_already))
    return result


def _give_back(
    current: dict[str, int], redemption: LedgerEntry, entries: list[LedgerEntry], count: int
) -> dict[str, int]:
    """Deltas returning `count` points to the lots the redemption took them from (latest
    expiry first, less what earlier refunds gave back there); a refund debt is paid first."""
    given: dict[str, int] = {}
    for earlier in (e for e in entries if e.kind == "refund" and e.ref == redemption.id):
        for key, value in earlier.lots.items():
            given[key] = given.get(key, 0) + value
    working = dict(current)
    deltas: dict[str, int] = {}
    for key in sorted((k for k, v in redemption.lots.items() if v < 0), reverse=True):
        if count <= 0:
            break
        share = min(-redemption.lots[key] - max(given.get(key, 0), 0), count)
        if share <= 0:
            continue
        step = lots.earn(working, share, key)
        lots.apply(working, step)
        for k, v in step.items():
            deltas[k] = deltas.get(k, 0) + v
        count -= share
    return {k: v for k, v in deltas.items() if v}

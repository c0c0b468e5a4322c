"""Refunds: take back a purchase's points in proportion, at the rate it earned.

After refunds totalling R of a purchase of P that earned E points, the member keeps
floor((P - R) x rate x multiplier) of them (rate and multiplier from the purchase), so each
refund takes back E minus that minus what earlier refunds took. A refund never fails for
lack of points: what the lots cannot cover becomes a debt that later earnings pay first.
Points redeemed under the same receipt come back in proportion, in their original lots.

Points that expired are never taken back. When an expiry run removed what was left of the
purchase's lot, X of its E points lapsed unspent, and refunds take back only the spent
share: after refunds totalling R, floor(due(R) x (E - X) / E) in all, where due(R) is what
they would take without the lapse. A lot shared by several credits (purchases, bonuses) is
spent oldest credit first, in ledger order, and a refund takes its own purchase's points
first, so the credits that lapsed are the latest ones; pending points count, once
confirmed, as credits of the purchases that earned them. Redeemed points given back whose lot
has lapsed by the refund's day join the lot of that day instead, like points earned then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from loyalty_cli import (
    card_moves,
    clock,
    formats,
    lots,
    pending,
    points,
    projection,
    text_fields,
    tiers,
    timeline,
)
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import N_, _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.money import points_for, to_text
from loyalty_cli.storage.unit_of_work import Shop


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
    now: datetime | None = None,
) -> RefundResult:
    """Refund all that is left of a purchase, or `amount` of it."""
    receipt = " ".join(str(receipt).split())
    entries = shop.ledger.by_receipt(receipt)
    purchase = next((e for e in entries if e.kind == "earn"), None)
    if purchase is None:
        raise Refused(_("no purchase was recorded with receipt {receipt}").format(receipt=receipt))
    earlier = [e for e in entries if e.kind == "refund" and e.ref == purchase.id and e.amount]
    price = Decimal(purchase.amount)
    refunded = sum((Decimal(e.amount) for e in earlier), Decimal(0))
    left = price - refunded
    currency = shop.programme().currency
    if left <= 0 and not (price == 0 and not earlier):
        # (A receipt paid wholly with points has no money to refund; refunding it whole
        # gives its points back once, and an --amount is refused below as more than is left.)
        raise Refused(
            _("receipt {receipt} has already been refunded in full ({price})").format(
                receipt=receipt, price=formats.money(price, currency)
            )
        )
    if amount is None:
        amount = left
    if amount > left:
        raise Refused(
            _("receipt {receipt} has {left} left to refund of {price}; cannot refund {amount}").format(
                receipt=receipt,
                left=formats.money(left, currency),
                price=formats.money(price, currency),
                amount=formats.money(amount, currency),
            )
        )
    if clock.iso(at) < purchase.at:
        raise InvalidInput(_("a refund cannot be dated before its purchase"))
    # A purchase made on a card that was replaced or merged is refunded on the card it moved to.
    member = shop.members.require(card_moves.current_card(shop, purchase.card))
    timeline.require_latest(shop, member, at, N_("a refund"), now=now)
    pending.confirm(shop, member, at, operator=operator)
    total = refunded + amount
    taken = _points_to_take(purchase, earlier, total, _lapsed_unspent(shop, purchase, at))
    returned = _points_to_return(entries, price, total)
    text = text_fields.clean(reason, "reason") or None
    # The points leave the purchase's own lot first (still pending, or confirmed since),
    # then the soonest-expiring ones.
    first = next((k for k, v in purchase.lots.items() if v > 0 and k != lots.DEBT), None)
    if first is not None and lots.is_pending(first) and first not in member["points"]["lots"]:
        first = pending.target(first)
    programme = shop.programme()
    spend_before = tiers.spend_on(programme, member, at)
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
        day=purchase.day or projection.day_of(clock.from_iso(purchase.at), programme.tz),
        receipt=receipt,
        ref=purchase.id,
        reason=text,
        partner=purchase.partner,  # a partner's settlement nets its refunds
    )
    tiers.after_refund(programme, member, at, spend_before)
    for redemption, count in returned:
        points.record(
            shop,
            member,
            at=at,
            operator=operator,
            kind="refund",
            points=count,
            lots=_give_back(member["points"]["lots"], redemption, entries, count, *_month_and_lot(shop, at)),
            receipt=receipt,
            ref=redemption.id,
            reason=text or "points spent on a refunded purchase",
            partner=redemption.partner,
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


def _points_to_take(purchase: LedgerEntry, earlier: list[LedgerEntry], total: Decimal, lapsed: int) -> int:
    kept = points_for(Decimal(purchase.amount) - total, Decimal(purchase.rate), Decimal(purchase.multiplier))
    due = purchase.points - min(kept, purchase.points)
    if lapsed > 0:
        due = due * max(purchase.points - lapsed, 0) // purchase.points
    already = -sum(e.points for e in earlier)
    return max(0, due - already)


def _lapsed_unspent(shop: Shop, purchase: LedgerEntry, at: datetime) -> int:
    """How many of the purchase's points an expiry run removed from its lot, unspent."""
    own = next((k for k, v in purchase.lots.items() if v > 0 and k not in (lots.DEBT, lots.NEVER)), None)
    # Points that were pending reached their lot through a confirmation.
    lot = pending.target(own) if own is not None and lots.is_pending(own) else own
    tz = shop.programme().tz
    if lot is None or lot == lots.NEVER or not purchase.month or lot >= clock.month_of(at, tz):
        return 0
    month_start = datetime(int(purchase.month[:4]), int(purchase.month[5:7]), 1, tzinfo=tz)
    credits: list[list[int]] = []  # [entry id, points left] of each credit to the lot, oldest first
    # The same for each pending lot that joins this lot when confirmed (purchases of one
    # day share a pending lot; a confirmation may move several days' lots at once).
    waiting: dict[str, list[list[int]]] = {}
    lapsed = 0
    # The lot's later history may be under the card the purchase's card moved to.
    history = card_moves.entries_of(
        shop, card_moves.current_card(shop, purchase.card), since=clock.iso(month_start)
    )
    for entry in history:
        delta = entry.lots.get(lot, 0)
        confirmed = []
        for key in sorted(k for k in entry.lots if lots.is_pending(k) and pending.target(k) == lot):
            moved = entry.lots[key]
            if moved > 0:
                waiting.setdefault(key, []).append([entry.id, moved])
            elif entry.kind == "confirm":
                confirmed.append((key, -moved))
            else:
                _consume(waiting.get(key, []), -moved, entry.ref if entry.kind == "refund" else None)
        if confirmed:
            # The pending points join the lot as the credits of the purchases that earned
            # them, in the confirmation's order, less what paid a refund's debt on the way.
            debt = sum(count for _key, count in confirmed) - delta
            for key, count in confirmed:
                paid = min(max(debt, 0), count)
                debt -= paid
                credits.extend(_confirmed(waiting.get(key, []), count, count - paid, entry.id))
            credits.sort(key=lambda credit: credit[0])
        elif delta > 0:
            credits.append([entry.id, delta])
        elif delta < 0 and entry.kind == "expire":
            lapsed += sum(left for credit_id, left in credits if credit_id == purchase.id)
            credits = []
        elif delta < 0:  # a refund takes its own purchase's points first, the rest oldest first
            _consume(credits, -delta, entry.ref if entry.kind == "refund" else None)
    return lapsed


def _consume(credits: list[list[int]], count: int, first: int | None) -> None:
    """Take `count` points out of a lot's credits: `first`'s own, then the oldest."""
    ordered = sorted(credits, key=lambda c: c[0] != first) if first is not None else credits
    for credit in ordered:
        share = min(credit[1], count)
        credit[1] -= share
        count -= share
        if count <= 0:
            break


def _confirmed(waiting: list[list[int]], count: int, reached: int, entry_id: int) -> list[list[int]]:
    """Credits to the lot of `count` pending points confirmed, oldest first: the first
    count - reached of them paid a debt and reach no lot, the rest keep their credit's id
    (points whose earning is not in the history read are credited to the confirmation)."""
    credits = []
    debt = count - reached
    for credit in waiting:
        share = min(credit[1], count)
        credit[1] -= share
        count -= share
        paid = min(share, debt)
        debt -= paid
        if share - paid > 0:
            credits.append([credit[0], share - paid])
        if count <= 0:
            break
    if count - debt > 0:
        credits.append([entry_id, count - debt])
    return credits


def _month_and_lot(shop: Shop, at: datetime) -> tuple[str, str]:
    """The shop month of a moment and the lot that points earned then join."""
    programme = shop.programme()
    month = clock.month_of(at, programme.tz)
    return month, programme.expiry_month(month)


def _points_to_return(entries: list[LedgerEntry], price: Decimal, total: Decimal):
    """(redemption, points to give back now) for redemptions under the refunded receipt."""
    result = []
    for redemption in (e for e in entries if e.kind == "redeem"):
        back_already = sum(e.points for e in entries if e.kind == "refund" and e.ref == redemption.id)
        # Multiplied before dividing, so that a share such as 300 x 9.09 / 54 = 50.5 is exact.
        share = -redemption.points * total / price if price else Decimal(-redemption.points)
        due = int(share.to_integral_value(rounding=ROUND_HALF_UP))
        if due - back_already > 0:
            result.append((redemption, due - back_already))
    return result


def _give_back(
    current: dict[str, int],
    redemption: LedgerEntry,
    entries: list[LedgerEntry],
    count: int,
    month: str,
    fresh: str,
) -> dict[str, int]:
    """Deltas returning `count` points to the lots the redemption took them from (latest
    expiry first, less what earlier refunds gave back there); a refund debt is paid first.
    A lot that has lapsed by `month` (the refund's) is replaced by `fresh`, that month's lot."""
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
        target = fresh if key != lots.NEVER and key < month else key
        step = lots.earn(working, share, target)
        lots.apply(working, step)
        for k, v in step.items():
            deltas[k] = deltas.get(k, 0) + v
        count -= share
    return {k: v for k, v in deltas.items() if v}

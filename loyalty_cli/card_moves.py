"""Card moves: a new card for a lost or damaged one, and two records of one customer joined.

Both are ledger entries that change no points: a `replace` or `merge` entry on the card
that moves, naming the card it moves to (`to_card`). From then on that card's history
belongs to the other one: replaying the ledger folds the entries of every card that moved
into the member who holds the card now, so balance, lots (with their expiry months),
spend, purchases and statements carry over, and `verify` finds the same projection.

- `replace`: the member keeps their record under the new card; the old card names no
  member any more, and a write on it is refused with a message naming the new card.
- `merge`: OTHER's history joins KEEP; OTHER stays as a closed record with nothing on it.

The hot file keeps the moves as `meta["card_moves"]` ({old card: card it moved to}), so a
command finds where a card went without reading the ledger; `verify` checks that map
against the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from loyalty_cli import cards, clock, members, projection, text_fields, tiers
from loyalty_cli.errors import CardMoved, InvalidInput, Refused
from loyalty_cli.language import _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.storage.unit_of_work import Shop

MOVE_KINDS = ("replace", "merge")


class Replacement(NamedTuple):
    """What `replace-card` did."""

    old_card: str
    new_card: str
    balance: int
    referrals: int

    def to_json(self) -> dict:
        return {
            "old_card": self.old_card,
            "new_card": self.new_card,
            "balance": self.balance,
            "referrals_moved": self.referrals,
        }


class Merger(NamedTuple):
    """What `merge` did."""

    card: str
    merged: str
    balance: int
    points_moved: int

    def to_json(self) -> dict:
        return {
            "card": self.card,
            "merged": self.merged,
            "balance": self.balance,
            "points_moved": self.points_moved,
        }


def moves(shop: Shop) -> dict[str, str]:
    """Every card that moved, with the card it moved to (read-only)."""
    return shop.meta.get("card_moves") or {}


def current_card(shop: Shop, card: str) -> str:
    """The card that holds `card`'s history now (itself when it never moved)."""
    return resolve(moves(shop), card)


def resolve(moved: dict[str, str], card: str) -> str:
    """Follow `moved` from `card` to the card at the end of the chain."""
    if card not in moved:  # nearly every card: called once per entry over whole ledgers
        return card
    seen = {card}
    while card in moved:
        card = moved[card]
        if card in seen:  # a loop can only come from a hand edit; `verify` reports it
            break
        seen.add(card)
    return card


def history_cards(shop: Shop, card: str) -> list[str]:
    """`card` and every card whose history it holds now (replaced or merged into it)."""
    moved = moves(shop)
    return [card, *sorted(old for old in moved if old != card and resolve(moved, old) == card)]


def replaced_cards(shop: Shop, card: str) -> list[str]:
    """The cards `card`'s member held before (replaced; merged records are members of their own)."""
    return [old for old in history_cards(shop, card)[1:] if old not in shop.members]


def entries_of(shop: Shop, card: str, *, since: str | None = None) -> list[LedgerEntry]:
    """The entries of a member's history in ledger order: their card's and those it took over."""
    found: dict[int, LedgerEntry] = {}
    for each in history_cards(shop, card):
        for entry in shop.ledger.entries(each, since=since):
            found[entry.id] = entry
    return [found[i] for i in sorted(found)]


def refuse_write(shop: Shop, member: dict) -> None:
    """CardMoved when `member` was merged into another card."""
    into = member.get("merged_into")
    if into:
        now = current_card(shop, into)
        raise CardMoved(
            _("card {card} was merged into card {into}; use card {into}").format(
                card=member["card"], into=now
            )
        )


def moved_to(shop: Shop, text: str) -> str | None:
    """The card a replaced card (as typed) moved to, or None."""
    card = cards.normalise(text)
    if card and card in moves(shop):
        return current_card(shop, card)
    return None


def replace_card(
    shop: Shop,
    member_ref: str,
    *,
    at: datetime,
    operator: str,
    new_card: str | None = None,
    reason: str | None = None,
) -> Replacement:
    """Give a member a new card; everything on the old one carries over."""
    member = members.find(shop, member_ref)
    old = member["card"]
    if member["status"] == "closed":
        raise Refused(_("member {card} is closed; a closed card is not replaced").format(card=old))
    new = _free_card(shop, new_card)
    text = _reason(reason)
    entry = shop.ledger.append(
        card=old,
        at=clock.iso(at),
        operator=operator,
        kind="replace",
        points=0,
        lots={},
        to_card=new,
        reason=text,
    )
    projection.apply_entry(member["points"], entry)
    shop.members.rename(member, new)
    referred = _move_referrals(shop, old, new)
    _record_move(shop, old, new)
    return Replacement(old, new, member["points"]["balance"], referred)


def merge(shop: Shop, keep_ref: str, other_ref: str, *, at: datetime, operator: str) -> Merger:
    """Join OTHER onto KEEP: points (lots keep their expiry months), spend, history; close OTHER."""
    keep = members.find(shop, keep_ref)
    other = members.find(shop, other_ref)
    if keep["card"] == other["card"]:
        raise InvalidInput(
            _("{keep} and {other} are the same member ({card})").format(
                keep=keep_ref, other=other_ref, card=keep["card"]
            )
        )
    for member in (keep, other):
        refuse_write(shop, member)
    if keep["status"] == "closed":
        raise Refused(
            _("member {card} is closed; merge into the record that stays open").format(card=keep["card"])
        )
    if other.get("erased_at"):
        raise Refused(
            _("member {card} was erased; there is nothing of theirs to merge").format(card=other["card"])
        )
    moved_points = other["points"]["balance"]
    shop.ledger.append(
        card=other["card"],
        at=clock.iso(at),
        operator=operator,
        kind="merge",
        points=0,
        lots={},
        to_card=keep["card"],
        reason=f"merged into {keep['card']}",
    )
    _record_move(shop, other["card"], keep["card"])
    # The ledger is the truth: KEEP's projection is its history with OTHER's, replayed.
    tz = shop.programme().tz
    keep["points"].update(projection.rebuild(entries_of(shop, keep["card"]), tz))
    other["points"].update(projection.empty())
    _carry_tier(shop, keep, other, at)
    _fill_gaps(keep, other)
    from loyalty_cli import plans  # plans reads the card moves for its checks

    plans.carry_on_merge(keep, other)
    # Recorded like any closure, so that a record closed by a merge is never taken as active
    # (birthdays read the status changes).
    members.change_status(other, "closed", at)
    other["status_reason"] = f"merged into {keep['card']}"
    other["merged_into"] = keep["card"]
    shop.members.put(other)
    shop.members.put(keep)
    _move_referrals(shop, other["card"], keep["card"])
    return Merger(keep["card"], other["card"], keep["points"]["balance"], moved_points)


def ledger_moves(entries) -> dict[str, str]:
    """The moves recorded on the ledger (of `entries`): {card: card it moved to}."""
    return {e.card: e.to_card for e in entries if e.kind in MOVE_KINDS and isinstance(e.to_card, str)}


def check_moves(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """`verify`: the moves on the ledger match the hot file's map, and nothing was written on a
    card after it moved."""
    from_ledger: dict[str, str] = {}
    moved_at: dict[str, int] = {}
    for entry in entries:
        if entry.card in moved_at and (entry.points or entry.amount is not None):
            moved = moved_at[entry.card]
            yield _("entry {id}: written on card {card} after it moved (entry {moved})").format(
                id=entry.id, card=entry.card, moved=moved
            )
        if entry.kind in MOVE_KINDS:
            if not isinstance(entry.to_card, str) or not entry.to_card:
                yield _("entry {id}: a {kind} entry that names no card to move to").format(
                    id=entry.id, kind=entry.kind
                )
                continue
            from_ledger[entry.card] = entry.to_card
            moved_at[entry.card] = entry.id
    if from_ledger != moves(shop):
        yield _("the card moves kept with the data {kept!r} differ from the ledger's {ledger!r}").format(
            kept=moves(shop), ledger=from_ledger
        )
    for old in from_ledger:
        end = resolve(from_ledger, old)
        if end == old or end in from_ledger:
            yield _("card {card}: its moves go round in a loop").format(card=old)
        elif end not in shop.members:
            yield _("card {card}: moved to card {end}, which belongs to no member").format(card=old, end=end)


def _free_card(shop: Shop, given: str | None) -> str:
    taken = Taken(shop)
    if not given:
        return cards.generate(taken)
    card = cards.validate(given)
    if card in taken:
        holder = moves(shop).get(card)
        if holder:
            raise Refused(
                _("card {card} is already taken (it was replaced by {now})").format(
                    card=card, now=current_card(shop, card)
                )
            )
        raise Refused(_("card {card} is already taken").format(card=card))
    return card


class Taken:
    """Cards that may not be handed out: members' and every card that ever moved."""

    def __init__(self, shop: Shop):
        self._shop = shop

    def __contains__(self, card: str) -> bool:
        return card in self._shop.members or card in moves(self._shop)


def _reason(reason: str | None) -> str | None:
    return text_fields.clean(reason, "reason") or None


def _record_move(shop: Shop, old: str, new: str) -> None:
    moved = dict(moves(shop))
    moved[old] = new
    shop.meta["card_moves"] = moved
    shop.touch_meta()


def _move_referrals(shop: Shop, old: str, new: str) -> int:
    """Members referred by `old` are now referred by `new`."""
    referred = [card for card in shop.members.cards_referred_by(old) if card != new]
    for card in referred:
        member = shop.members.get(card)
        member["referred_by"] = new
        shop.members.put(member)
    return len(referred)


def _fill_gaps(keep: dict, other: dict) -> None:
    """KEEP keeps its details, and takes OTHER's phone, e-mail and birthday where it has none
    (the phone leaves OTHER, so that scanning it at the till finds KEEP), and the year of
    the last birthday bonus either was given."""
    for key in ("phone", "email", "birthday"):
        if not keep.get(key) and other.get(key):
            keep[key] = other[key]
            if key == "phone":
                other["phone"] = None
    # One customer gets one birthday bonus a year, whichever record it was given on.
    year = max(keep.get("birthday_bonus_year") or 0, other.get("birthday_bonus_year") or 0)
    if year:
        keep["birthday_bonus_year"] = year


def _carry_tier(shop: Shop, keep: dict, other: dict, at: datetime) -> None:
    """KEEP holds the higher of the two tiers, or the one the joined spend reaches."""
    programme = shop.programme()
    if not programme.tiers:
        return
    mine, theirs = tiers.current(programme, keep), tiers.current(programme, other)
    if theirs is not None and (mine is None or theirs.spend > mine.spend):
        tiers.move(keep, theirs.name, clock.iso(at))
    tiers.upgrade_after_purchase(programme, keep, projection.day_of(at, programme.tz), at=clock.iso(at))

"""The rewards catalogue: what members can take for their points, and how much is left.

A reward is a record in `shop.rewards`: its name (unique, case aside), the points it costs,
its stock (None: no limit), the lowest tier allowed and the days it can be taken. A
redemption of a reward is an ordinary `redeem` entry that names it, so the ledger stays the
record of points. The record keeps `stock_added`, all the stock ever given to the reward
(as set when added, and every restock or edit since); the entries that name it from ledger
id `since` on are its redemptions, so `verify` can check that
stock == stock_added - redemptions.

Removing a reward marks its record `removed_at`: the entries that name it still read the
same, and the name can be added again as a new reward (counted from a new `since`).
A refund of a receipt gives back the points of a reward redeemed under it, as of any
redemption under it; the stock comes back only with `reward restock` or `reward edit --stock`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import NamedTuple

from loyalty_cli import clock, formats, members, pending, projection, text_fields, tiers
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.storage.unit_of_work import Shop

MAX_NAME = 60
MAX_POINTS = 10**7
MAX_STOCK = 10**6
# What `reward edit` takes to clear a limit: no stock limit, no lowest tier, no first/last day.
NONE = "none"


class Redemption(NamedTuple):
    """A reward taken: the points command's result and the reward afterwards."""

    done: object  # points.Recorded
    reward: dict


def find(shop: Shop, name: str) -> dict:
    """The reward of this name (case aside) in the catalogue, or Refused."""
    found = _named(shop, name)
    if found is None:
        raise Refused(_("no reward named {name} (see: loyalty reward list)").format(name=repr(name)))
    return found


def catalogue(shop: Shop) -> list[dict]:
    """The rewards on offer (removed ones left out), cheapest first."""
    return sorted(
        (r for r in shop.rewards.all() if not r.get("removed_at")), key=lambda r: (r["points"], r["name"])
    )


def add(
    shop: Shop,
    name: str,
    points: int,
    *,
    at: datetime,
    stock: int | None = None,
    min_tier: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> dict:
    """Add a reward to the catalogue; a name already there (case aside) is refused."""
    _no_cashback(shop)
    name = _clean_name(name)
    if _named(shop, name) is not None:
        raise Refused(_("there is already a reward named {name}").format(name=repr(name)))
    reward = {
        "name": name,
        "points": _checked_points(points),
        "stock": None,
        "stock_added": None,
        "min_tier": _tier(shop, min_tier),
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
        "added_at": clock.iso(at),
        "since": shop.meta["next_id"],
    }
    _check_days(reward)
    if stock is not None:
        reward["stock"] = reward["stock_added"] = _checked_stock(stock)
    shop.rewards.put(reward)
    return reward


def edit(shop: Shop, name: str, **changes) -> dict:
    """Change a reward: `points`, `stock`, `min_tier`, `first`, `last`; the text NONE clears a
    limit. A new stock counts as stock added or taken away (`stock_added`)."""
    reward = find(shop, name)
    if changes.get("points") is not None:
        reward["points"] = _checked_points(changes["points"])
    if changes.get("min_tier") is not None:
        given = changes["min_tier"]
        reward["min_tier"] = None if given.casefold() == NONE else _tier(shop, given)
    for option, key in (("first", "from"), ("last", "to")):
        given = changes.get(option)
        if given is not None:
            reward[key] = None if given == NONE else given.isoformat()
    _check_days(reward)
    if changes.get("stock") is not None:
        _set_stock(shop, reward, None if changes["stock"] == NONE else _checked_stock(changes["stock"]))
    shop.rewards.put(reward)
    return reward


def restock(shop: Shop, name: str, count: int) -> dict:
    """Add `count` to a reward's stock (a reward with no stock limit is refused)."""
    reward = find(shop, name)
    if reward["stock"] is None:
        raise Refused(
            _("reward {name} has no stock limit; set one with: loyalty reward edit {name} --stock N").format(
                name=reward["name"]
            )
        )
    if not 1 <= count <= MAX_STOCK:
        raise InvalidInput(
            _("the stock to add must be a whole number from 1 to {largest}").format(
                largest=formats.number(MAX_STOCK)
            )
        )
    _set_stock(shop, reward, _checked_stock(reward["stock"] + count))
    shop.rewards.put(reward)
    return reward


def remove(shop: Shop, name: str, *, at: datetime) -> dict:
    """Take a reward out of the catalogue; the entries that name it keep its name."""
    reward = find(shop, name)
    reward["removed_at"] = clock.iso(at)
    shop.rewards.put(reward)
    return reward


def redeem(
    shop: Shop,
    member_ref: str,
    name: str,
    *,
    at: datetime,
    operator: str,
    receipt: str | None = None,
    now: datetime | None = None,
    partner: str | None = None,
) -> Redemption:
    """Spend a reward's points, the soonest-expiring first (pending points cannot be spent),
    and take one from its stock. Out of stock, outside its days, a tier below its lowest
    tier or too few points: refused. `partner`: taken at a partner shop (its points count
    as redeemed there when the period is settled)."""
    from loyalty_cli import points

    _no_cashback(shop)
    reward = find(shop, name)
    member = members.find(shop, member_ref)
    members.require_active(member)
    programme = shop.programme()
    day = projection.day_of(at, programme.tz)
    why = _why_not(programme, reward, member, day, clock.iso(at))
    if why:
        raise Refused(why)
    done = points.redeem(
        shop,
        member["card"],
        reward["points"],
        at=at,
        operator=operator,
        receipt=receipt,
        now=now,
        reward=reward["name"],
        partner=partner,
    )
    if reward["stock"] is not None:
        reward["stock"] -= 1
        shop.rewards.put(reward)
    return Redemption(done, reward)


def available(shop: Shop, member: dict, day: date) -> list[dict]:
    """The rewards the member can take on `day`: in stock, within their days, their tier
    allowed, and no more points than they can spend."""
    programme = shop.programme()
    if programme.cashback or member.get("status") != "active":
        return []
    spendable = pending.spendable(member, day.isoformat())
    until = clock.iso(clock.end_of_day(day, programme.tz))
    return [
        r
        for r in catalogue(shop)
        if r["points"] <= spendable and not _why_not(programme, r, member, day.isoformat(), until)
    ]


def redemptions(entries: Iterator[LedgerEntry]) -> dict[str, list[LedgerEntry]]:
    """The redeem entries that name a reward, by the reward's name."""
    found: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        if entry.kind == "redeem" and entry.reward:
            found.setdefault(entry.reward, []).append(entry)
    return found


def check_stock(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Every reward's stock is its stock added less the redemptions that name it."""
    taken = redemptions(entries)
    for reward in shop.rewards.all():
        if reward.get("stock") is None:
            continue
        count = sum(1 for e in taken.get(reward["name"], ()) if e.id >= reward.get("since", 0))
        expected = (reward.get("stock_added") or 0) - count
        if reward["stock"] != expected:
            yield ngettext(
                "reward {name}: the stock is {stock}; {added} added less {count} redemption is {expected}",
                "reward {name}: the stock is {stock}; {added} added less {count} redemptions is {expected}",
                count,
            ).format(
                name=repr(reward["name"]),
                stock=reward["stock"],
                added=reward.get("stock_added"),
                count=count,
                expected=expected,
            )


class Taken(NamedTuple):
    """A row of `report rewards`: one reward's redemptions in a period, and its stock now."""

    reward: str
    redemptions: int
    points: int
    stock: int | None  # None: no stock limit
    removed: bool

    def to_json(self) -> dict:
        return self._asdict()


def report(shop: Shop, first: date | None, last: date | None) -> list[Taken]:
    """Redemptions of each reward from `first` to `last` (shop-local days; None: no bound),
    with the stock left now. Every reward of the catalogue has a row, and so does a removed
    reward redeemed in the period; the points are those spent when it was taken."""
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(first, tz)) if first else None
    until = clock.iso(clock.end_of_day(last, tz)) if last else None
    taken = redemptions(shop.ledger.entries(since=since, until=until))
    current = {r["name"]: r for r in shop.rewards.all() if not r.get("removed_at")}
    rows = []
    for name in sorted(set(current) | set(taken), key=str.casefold):
        entries = taken.get(name, [])
        record = current.get(name)
        rows.append(
            Taken(
                reward=name,
                redemptions=len(entries),
                points=-sum(e.points for e in entries),
                stock=record["stock"] if record else None,
                removed=record is None,
            )
        )
    return rows


def _why_not(programme, reward: dict, member: dict, day: str, until: str) -> str | None:
    """Why the member cannot take the reward on `day` (points aside), or None."""
    fields = {"name": reward["name"]}
    if reward["stock"] is not None and reward["stock"] <= 0:
        return _("reward {name} is out of stock").format(**fields)
    if reward.get("from") and day < reward["from"]:
        return _("reward {name} can be taken from {day}").format(day=_day(reward["from"]), **fields)
    if reward.get("to") and day > reward["to"]:
        return _("reward {name} could be taken until {day}").format(day=_day(reward["to"]), **fields)
    if reward.get("min_tier"):
        order = [t.name for t in programme.tiers]
        held = tiers.held_at(programme, member, until)
        floor = order.index(reward["min_tier"]) if reward["min_tier"] in order else len(order)
        if held is None or order.index(held.name) < floor:
            return _("reward {name} is for tier {tier} and higher; member {card} is {held}").format(
                tier=reward["min_tier"], card=member["card"], held=held.name if held else "-", **fields
            )
    return None


def _set_stock(shop: Shop, reward: dict, stock: int | None) -> None:
    """A new stock: the change counts as stock added (or taken away); a stock limit set
    where there was none counts redemptions from now on."""
    if stock is None:
        reward["stock"] = reward["stock_added"] = None
    elif reward["stock"] is None:
        reward["stock"] = reward["stock_added"] = stock
        reward["since"] = shop.meta["next_id"]
    else:
        reward["stock_added"] = (reward.get("stock_added") or 0) + stock - reward["stock"]
        reward["stock"] = stock


def _named(shop: Shop, name: str) -> dict | None:
    """The reward of the catalogue (not removed) named `name` whatever the capitals."""
    return shop.rewards.named(name, keep=lambda reward: not reward.get("removed_at"))


def _no_cashback(shop: Shop) -> None:
    if shop.programme().cashback:
        raise Refused(_("a cashback programme has no rewards catalogue: its balance is money"))


def _clean_name(name: str) -> str:
    text = text_fields.clean(name, N_("reward name"), limit=MAX_NAME)
    if not text:
        raise InvalidInput(_("the reward name must not be empty"))
    if text.casefold() == NONE or text.startswith("-"):
        raise InvalidInput(_("{name} cannot be a reward's name").format(name=repr(text)))
    return text


def _checked_points(points: int) -> int:
    if not 1 <= points <= MAX_POINTS:
        raise InvalidInput(
            _("a reward's points must be a whole number from 1 to {largest}").format(
                largest=formats.number(MAX_POINTS)
            )
        )
    return points


def _checked_stock(stock: int) -> int:
    if not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(
            _("the stock must be a whole number from 0 to {largest}").format(
                largest=formats.number(MAX_STOCK)
            )
        )
    return stock


def _tier(shop: Shop, name: str | None) -> str | None:
    from loyalty_cli.draws.entrants import check_tier

    return check_tier(shop, name)


def _check_days(reward: dict) -> None:
    if reward.get("from") and reward.get("to") and reward["from"] > reward["to"]:
        raise InvalidInput(
            _("the reward's first day ({first}) is after its last ({last})").format(
                first=_day(reward["from"]), last=_day(reward["to"])
            )
        )


def _day(text: str) -> str:
    return formats.day(date.fromisoformat(text))

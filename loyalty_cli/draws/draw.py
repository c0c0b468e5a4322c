"""Prize draws: held once, recorded for good, verifiable by anyone.

A draw record keeps its rules, the entrant list with ticket counts and its hash, the seed
and its hash, the algorithm, the winners and when it was held. Holding a draw whose name is
already held returns the stored record: nothing is drawn or credited again, so cron can
retry. `commit` stores the rules and a secret seed first and shows only the seed's hash,
for the shop to publish before the draw (commit-reveal).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from loyalty_cli import card_moves, clock, formats, lots, points
from loyalty_cli.draws import entrants as draw_entrants
from loyalty_cli.draws import fair_draw
from loyalty_cli.draws.entrants import Window
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import _
from loyalty_cli.storage.unit_of_work import Shop

# The stored rules and the options of `draw run` that give them, for naming a difference.
RULE_OPTIONS = {
    "from": "--from",
    "to": "--to",
    "tickets": "--tickets",
    "winners": "--winners",
    "prize": "--prize",
    "prize_points": "--prize-points",
    "min_tier": "--min-tier",
    "exclude_winners_days": "--exclude-winners-days",
    "seed": "--seed",
}


@dataclass(frozen=True)
class Rules:
    """What a draw is for and who may win it."""

    window: Window
    tickets: str = "purchase"
    winners: int = 1
    prize: str = ""
    prize_points: int = 0
    min_tier: str | None = None
    exclude_winners_days: int = 0

    def to_json(self) -> dict:
        return {
            **self.window.to_json(),
            "tickets": self.tickets,
            "winners": self.winners,
            "prize": self.prize,
            "prize_points": self.prize_points,
            "min_tier": self.min_tier,
            "exclude_winners_days": self.exclude_winners_days,
        }

    @classmethod
    def from_json(cls, doc: dict) -> Rules:
        window = Window(date.fromisoformat(doc["from"]), date.fromisoformat(doc["to"]))
        fields = {k: v for k, v in doc.items() if k not in ("from", "to")}
        return cls(window=window, **fields)


def parse_seed(text: str | None) -> bytes:
    """A given seed (64 hex characters), or 32 fresh bytes from `secrets`."""
    if text is None:
        return secrets.token_bytes(fair_draw.SEED_BYTES)
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        seed = b""
    if len(seed) != fair_draw.SEED_BYTES:
        raise InvalidInput(_("--seed must be 64 hexadecimal characters (32 bytes)"))
    return seed


def month_window(text: str, today: date) -> Window:
    """The window of --month YYYY-MM, or of `last` (the month before today)."""
    month = clock.add_months(today.strftime("%Y-%m"), -1) if text == "last" else text
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput(_("--month {text}: use YYYY-MM or last").format(text=repr(text))) from None
    last = date.fromisoformat(f"{clock.add_months(month, 1)}-01") - timedelta(days=1)
    return Window(first, last)


def hold(
    shop: Shop, name: str, rules: Rules | None, *, seed: bytes | None, at: datetime, operator: str
) -> tuple[dict, bool]:
    """Hold the draw `name` (or return its stored record); returns (record, newly held)."""
    name = _check_name(name)
    record = shop.draws.get(name)
    if record is not None and record.get("status") == "held":
        return record, False
    if record is not None and record.get("status") == "committed":
        rules, seed = Rules.from_json(record["rules"]), bytes.fromhex(record["seed"])
        _check_window_ended(name, rules.window, at, shop.programme().tz)
    elif record is not None:
        raise Refused(_("{name} is a draw schedule; its draws are named {name}-YYYY-MM").format(name=name))
    if rules is None:
        raise InvalidInput(
            _("no draw {name} was committed: give its rules (--month or --from/--to, --prize)").format(
                name=name
            )
        )
    seed = seed if seed is not None else parse_seed(None)
    last_id = shop.meta["next_id"] - 1
    tickets = draw_entrants.tickets_by_card(shop, rules.window, rules.tickets, last_id)
    excluded = draw_entrants.exclusions(
        shop, tickets, min_tier=rules.min_tier, recent_winners=_recent_winners(shop, rules, at)
    )
    entrants = fair_draw.entrant_list({c: n for c, n in tickets.items() if c not in excluded})
    won = fair_draw.winners(seed, [(c, n) for c, n in entrants], rules.winners)
    record = {
        "name": name,
        "status": "held",
        "rules": rules.to_json(),
        "entrants": len(entrants),
        "tickets": sum(n for _c, n in entrants),
        "entrant_list": entrants,
        "excluded": dict(sorted(excluded.items())),
        "entrants_sha256": fair_draw.entrants_sha256(entrants),
        "seed": seed.hex(),
        "seed_sha256": fair_draw.seed_sha256(seed),
        "algorithm": fair_draw.ALGORITHM,
        "winners": won,
        "held_at": clock.iso(at),
        "ledger_id": last_id,
    }
    shop.draws.put(record)
    if rules.prize_points:
        programme = shop.programme()
        lot = programme.expiry_month(clock.month_of(at, programme.tz))
        for card in won:
            member = shop.members.require(card)
            deltas = lots.earn(member["points"]["lots"], rules.prize_points, lot)
            points.record(
                shop,
                member,
                at=at,
                operator=operator,
                kind="prize",
                points=rules.prize_points,
                lots=deltas,
                reason=name,
            )
    return record, True


def check_same_rules(record: dict, given: dict[str, object]) -> None:
    """Refuse to run a held or committed draw again with rules other than its own.

    `given` holds only the rules the operator typed, in their stored form (keys of
    Rules.to_json, and "seed" as hex), so a retry with the same command line passes.
    """
    stored = dict(record.get("rules") or {})
    held = record.get("status") == "held"
    differences = []
    for key, option in RULE_OPTIONS.items():
        if key not in given:
            continue
        if key == "seed" and not held:
            differences.append(_("--seed (a committed draw runs with its own secret seed)"))
        elif given[key] != (record.get("seed") if key == "seed" else stored.get(key)):
            was = _("another seed") if key == "seed" else _shown(stored.get(key))
            difference = (
                _("{option} {given} (it was held with {was})")
                if held
                else _("{option} {given} (it was committed with {was})")
            )
            differences.append(difference.format(option=option, given=_shown(given[key]), was=was))
    if differences:
        refusal = (
            _("draw {name} was held with other rules: {differences}")
            if held
            else _("draw {name} was committed with other rules: {differences}")
        )
        raise Refused(refusal.format(name=record["name"], differences="; ".join(differences)))


def commit(shop: Shop, name: str, rules: Rules, *, at: datetime) -> dict:
    """Store the rules and a secret seed; the record shows only the seed's hash until held."""
    name = _check_name(name)
    if shop.draws.get(name) is not None:
        raise Refused(_("a draw named {name} already exists").format(name=name))
    seed = parse_seed(None)
    record = {
        "name": name,
        "status": "committed",
        "rules": rules.to_json(),
        "seed": seed.hex(),
        "seed_sha256": fair_draw.seed_sha256(seed),
        "algorithm": fair_draw.ALGORITHM,
        "committed_at": clock.iso(at),
    }
    shop.draws.put(record)
    return record


def schedule(shop: Shop, name: str, rules: Rules, *, at: datetime) -> dict:
    """Hold `name`-YYYY-MM for every month that ends from now on (by `maintain`)."""
    name = _check_name(name)
    if shop.draws.get(name) is not None:
        raise Refused(_("a draw or schedule named {name} already exists").format(name=name))
    first = clock.month_of(at, shop.programme().tz)
    record = {
        "name": name,
        "status": "schedule",
        "every": "month",
        "rules": rules.to_json(),
        "from_month": first,
    }
    shop.draws.put(record)
    return record


def hold_scheduled_draws(shop: Shop, *, as_of: date, clock: clock.Clock, operator: str) -> list[dict]:
    """Hold every scheduled draw of a month that ended before `as_of`, once each."""
    from loyalty_cli import clock as clocks

    held = []
    tz = shop.programme().tz
    ended = clocks.add_months(as_of.strftime("%Y-%m"), -1)
    at = clocks.start_of_day(as_of, tz)  # the same moment whether run nightly or caught up
    for plan in [d for d in shop.draws.all() if d.get("status") == "schedule"]:
        month = plan["from_month"]
        while month <= ended:
            name = f"{plan['name']}-{month}"
            if shop.draws.get(name) is None:
                rules = replace(Rules.from_json(plan["rules"]), window=month_window(month, as_of))
                record, _fresh = hold(shop, name, rules, seed=None, at=at, operator=operator)
                held.append({"name": name, "winners": record["winners"]})
            month = clocks.add_months(month, 1)
    return held


def verify(shop: Shop, name: str) -> list[str]:
    """Recompute a held draw from the ledger and its record; the list of what differs."""
    record = shop.draws.get(name)
    if record is None or record.get("status") != "held":
        raise Refused(_("no held draw named {name}").format(name=name))
    rules = Rules.from_json(record["rules"])
    tickets = draw_entrants.tickets_by_card(shop, rules.window, rules.tickets, record["ledger_id"])
    expected = fair_draw.entrant_list({c: n for c, n in tickets.items() if c not in record["excluded"]})
    problems = []
    if expected != record["entrant_list"]:
        problems.append(_("the entrant list differs from the ledger"))
    if fair_draw.entrants_sha256(record["entrant_list"]) != record["entrants_sha256"]:
        problems.append(_("entrants_sha256 does not match the entrant list"))
    if (record["entrants"], record["tickets"]) != (len(expected), sum(n for _c, n in expected)):
        problems.append(_("the entrant or ticket count differs"))
    seed = bytes.fromhex(record["seed"])
    if fair_draw.seed_sha256(seed) != record["seed_sha256"]:
        problems.append(_("seed_sha256 does not match the seed"))
    won = fair_draw.winners(seed, [(c, n) for c, n in expected], rules.winners)
    if won != record["winners"]:
        problems.append(
            _("the winners should be {expected}, the record says {recorded}").format(
                expected=_cards(won), recorded=_cards(record["winners"])
            )
        )
    return problems


def _shown(value: object) -> str:
    return (
        _("none") if value is None or value == "" else repr(value) if isinstance(value, str) else str(value)
    )


def _cards(cards: list) -> str:
    return " ".join(str(card) for card in cards) if cards else _("none")


def _check_window_ended(name: str, window: Window, at: datetime, tz) -> None:
    # Held early, a committed draw would reveal its seed and leave out the window's last days.
    if at.astimezone(tz).date() <= window.last:
        raise Refused(
            _(
                "draw {name} is for {first} to {last}; it can run from {start}, "
                "when its window has ended (nothing was drawn or revealed)"
            ).format(
                name=name,
                first=formats.day(window.first),
                last=formats.day(window.last),
                start=formats.day(window.last + timedelta(days=1)),
            )
        )


def _recent_winners(shop: Shop, rules: Rules, at: datetime) -> set[str]:
    if not rules.exclude_winners_days:
        return set()
    since = clock.iso(at - timedelta(days=rules.exclude_winners_days))
    moved = card_moves.moves(shop)  # a winner who has a new card since is still a recent winner
    return {
        card_moves.resolve(moved, card)
        for draw in shop.draws.all()
        if draw.get("status") == "held" and since <= draw["held_at"] <= clock.iso(at)
        for card in draw["winners"]
    }


def _check_name(name: str) -> str:
    text = str(name).strip()
    if not text or len(text) > 100 or any(ch in text for ch in "\r\n\t"):
        raise InvalidInput(_("a draw name is 1 to 100 characters on one line"))
    return text

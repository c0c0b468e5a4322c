"""`draw run|commit|schedule|list|show|verify`: prize draws anyone can check."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import click

from loyalty_cli import clock, formats, text_fields
from loyalty_cli.draws import draw as draws
from loyalty_cli.draws import entrants as draw_entrants
from loyalty_cli.language import N_, _, ngettext

from .context import DAY, Env, json_option, output_options, pass_env
from .render import emit_csv, emit_json, emit_pairs, emit_table
from .translated import Group

SHOWN = (
    "name",
    "rules",
    "entrants",
    "tickets",
    "entrants_sha256",
    "seed",
    "seed_sha256",
    "algorithm",
    "winners",
    "held_at",
)
# The columns of `draw list` for people, and the statuses as they are shown there.
LIST_COLUMNS = (
    ("name", N_("Name")),
    ("status", N_("Status")),
    ("held_at", N_("Held at")),
    ("entrants", N_("Entrants")),
    ("winners", N_("Winners")),
    ("prize", N_("Prize")),
)
STATUSES = {"held": N_("held"), "committed": N_("committed"), "schedule": N_("schedule")}


def rule_options(function):
    """The options that say what a draw is for and who may win it."""
    options = [
        click.option("--seed", metavar="HEX", help="64 hex characters; default: a fresh secret seed."),
        click.option(
            "--exclude-winners-days",
            type=click.IntRange(0, 3650),
            default=0,
            help="Leave out members who won a draw in the last D days.",
        ),
        click.option("--min-tier", metavar="TIER", help="Only members of this tier or higher."),
        click.option(
            "--tickets",
            default="purchase",
            show_default=True,
            help="purchase (one per purchase), spend:AMOUNT (one per AMOUNT spent) or points.",
        ),
        click.option("--month", metavar="YYYY-MM|last", help="The window: one calendar month."),
        click.option("--to", "last", type=DAY, help="The window's last day."),
        click.option("--from", "first", type=DAY, help="The window's first day."),
        click.option(
            "--prize-points", type=click.IntRange(0, 10**7), default=0, help="Points credited to each winner."
        ),
        click.option("--winners", type=click.IntRange(1, 10000), default=1, show_default=True),
        click.option("--prize", help="What the winners get (text)."),
    ]
    for option in options:
        function = option(function)
    return function


@click.group(cls=Group)
def draw():
    """Prize draws: fair, recorded, and verifiable by anyone.  See docs/draws.md."""


@draw.command("run")
@click.argument("name", callback=lambda _ctx, _param, value: _draw_name(value))
@rule_options
@json_option
@pass_env
def draw_run(env: Env, name, as_json, **options):
    """Hold the draw NAME: choose the winners among the members with tickets.

    Running a NAME that was already held prints the stored result and changes nothing; a
    NAME prepared with `draw commit` is held with its committed rules and seed, once its
    window has ended (before that it is refused and nothing is revealed). Rules given
    again must be the ones the draw was held or committed with, else it is refused.

    \b
    Example:
      loyalty draw run october-cake --month 2026-10 --prize "A birthday cake" --winners 3
      loyalty draw run big-one --from 2026-06-01 --to 2026-08-31 --tickets spend:10 --prize-points 500
    """
    with env.store().transaction() as shop:
        existing = shop.draws.get(name.strip())
        if existing is not None and existing.get("status") in ("held", "committed"):
            draws.check_same_rules(existing, _given_rules(shop, env, options))
        rules = None if existing else _rules(shop, env, options)
        seed = draws.parse_seed(options["seed"]) if options["seed"] else None
        record, fresh = draws.hold(shop, name, rules, seed=seed, at=env.clock.now, operator=env.operator)
        details = _winner_details(shop, record)
        programme = shop.programme()
    tz = programme.tz
    _print_record(record, as_json, entrants=False, details=details, tz=tz, currency=programme.currency)
    if not fresh and not as_json:
        held_at = _moment(record["held_at"], tz)
        click.echo(_("(held before, at {moment}; nothing was drawn again)").format(moment=held_at), err=True)


@draw.command("commit")
@click.argument("name", callback=lambda _ctx, _param, value: _draw_name(value))
@rule_options
@json_option
@pass_env
def draw_commit(env: Env, name, as_json, **options):
    """Prepare the draw NAME: store its rules and a secret seed, print the seed's hash.

    Publish the hash before the draw (on the shop door, on social media). After
    `draw run NAME`, anyone can check that the revealed seed has that hash.

    \b
    Example:
      loyalty draw commit december --month 2026-12 --prize "Gift basket"
    """
    if options["seed"]:
        raise click.UsageError(_("draw commit makes its own secret seed; --seed is for draw run"))
    with env.store().transaction() as shop:
        record = draws.commit(shop, name, _rules(shop, env, options), at=env.clock.now)
    if as_json:
        emit_json({"name": record["name"], "seed_sha256": record["seed_sha256"], "rules": record["rules"]})
    else:
        click.echo(record["seed_sha256"])


@draw.command("schedule")
@click.argument("name", callback=lambda _ctx, _param, value: _draw_name(value))
@click.option("--every", type=click.Choice(["month"]), required=True, help="How often.")
@rule_options
@json_option
@pass_env
def draw_schedule(env: Env, name, every, as_json, **options):
    """Hold NAME-YYYY-MM for every month that ends from now on, run by `loyalty maintain`.

    Each month's draw takes that month as its window; the other rules are the ones given.

    \b
    Example:
      loyalty draw schedule monthly --every month --prize "Coffee for a month" --winners 2
    """
    options = {**options, "month": options["month"] or "last"}
    with env.store().transaction() as shop:
        record = draws.schedule(shop, name, _rules(shop, env, options), at=env.clock.now)
    if as_json:
        emit_json(record)
    else:
        year, month = (int(part) for part in record["from_month"].split("-"))
        click.echo(
            _("Scheduled {name}: held monthly by `loyalty maintain` from {month}").format(
                name=record["name"], month=formats.month(year, month)
            )
        )


@draw.command("list")
@output_options
@pass_env
def draw_list(env: Env, as_json, as_csv):
    """List the draws, commitments and schedules.

    \b
    Example:
      loyalty draw list --json
    """
    shop = env.store().read()
    rows = [
        {
            "name": d["name"],
            "status": d.get("status"),
            "held_at": d.get("held_at"),
            "entrants": d.get("entrants"),
            "winners": " ".join(d.get("winners", [])),
            "prize": d["rules"].get("prize"),
        }
        for d in shop.draws.all()
    ]
    columns = ["name", "status", "held_at", "entrants", "winners", "prize"]
    if as_json:
        emit_json(rows)
    elif as_csv:
        emit_csv(rows, columns, numeric=("entrants",))
    else:
        tz = shop.programme().tz
        shown = [
            {
                **row,
                "status": _(STATUSES[row["status"]]) if row["status"] in STATUSES else row["status"],
                "held_at": _moment(row["held_at"], tz),
            }
            for row in rows
        ]
        emit_table(shown, [(key, _(header)) for key, header in LIST_COLUMNS])


@draw.command("show")
@click.argument("name")
@click.option("--entrants", "with_entrants", is_flag=True, help="Add the entrant list (cards and tickets).")
@json_option
@pass_env
def draw_show(env: Env, name, with_entrants, as_json):
    """Show a draw's record: rules, entrants, hashes, seed, winners.

    Winners are shown with their name and phone, for the shop to reach them; --json adds
    them as winner_details. The published record and its hashes hold card numbers only.
    --entrants adds the entrant list (cards and tickets).

    \b
    Example:
      loyalty draw show october-cake --json --entrants > october-cake.json
    """
    shop = env.store().read()
    record = shop.draws.get(name.strip())
    if record is None:
        raise click.ClickException(_("no draw named {name}").format(name=name))
    details = _winner_details(shop, record)
    programme = shop.programme()
    _print_record(
        record, as_json, entrants=with_entrants, details=details, tz=programme.tz, currency=programme.currency
    )


@draw.command("verify")
@click.argument("name")
@pass_env
def draw_verify(env: Env, name):
    """Recompute a held draw's entrants from the ledger and its winners from the seed.

    Exits 0 when everything matches the record, 3 with what differs otherwise.

    \b
    Example:
      loyalty draw verify october-cake
    """
    problems = draws.verify(env.store().read(), name.strip())
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(3)
    click.echo(_("OK: {name} recomputes to the recorded entrants and winners").format(name=name))


def _draw_name(value: str) -> str:
    # New names only: draws stored before this check still show, run and verify.
    text_fields.check(value, N_("draw name"))
    return value


def _rules(shop, env: Env, options: dict) -> draws.Rules:
    if not options.get("prize") and not options.get("prize_points"):
        raise click.UsageError(_("give the prize: --prize TEXT and/or --prize-points N"))
    month, first, last = options.get("month"), options.get("first"), options.get("last")
    if month and (first or last):
        raise click.UsageError(_("give either --month or --from/--to, not both"))
    if month:
        window = draws.month_window(month, env.clock.today(shop.programme().tz))
    elif first and last:
        if last < first:
            raise click.UsageError(_("--to is before --from"))
        window = draw_entrants.Window(first, last)
    else:
        raise click.UsageError(_("give the window: --month YYYY-MM|last, or --from DATE --to DATE"))
    return draws.Rules(
        window=window,
        tickets=draw_entrants.parse_ticket_rule(options["tickets"]),
        winners=options["winners"],
        prize=text_fields.clean(options.get("prize"), N_("prize")) or "",
        prize_points=options["prize_points"],
        min_tier=draw_entrants.check_tier(shop, options.get("min_tier")),
        exclude_winners_days=options["exclude_winners_days"],
    )


def _given_rules(shop, env: Env, options: dict) -> dict:
    """The rules typed on this command line (not defaults), in their stored form."""
    context = click.get_current_context()

    def typed(name: str) -> bool:
        source = context.get_parameter_source(name)
        return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT", "PROMPT")

    given: dict[str, object] = {}
    if typed("month") and options["month"]:
        window = draws.month_window(options["month"], env.clock.today(shop.programme().tz))
        given.update(window.to_json())
    if typed("first") and options["first"]:
        given["from"] = options["first"].isoformat()
    if typed("last") and options["last"]:
        given["to"] = options["last"].isoformat()
    if typed("tickets"):
        given["tickets"] = draw_entrants.parse_ticket_rule(options["tickets"])
    if typed("min_tier"):
        given["min_tier"] = draw_entrants.check_tier(shop, options["min_tier"])
    if typed("prize"):
        given["prize"] = (options["prize"] or "").strip()
    for name in ("winners", "prize_points", "exclude_winners_days"):
        if typed(name):
            given[name] = options[name]
    if typed("seed") and options["seed"]:
        given["seed"] = draws.parse_seed(options["seed"]).hex()
    return given


def _winner_details(shop, record: dict) -> list[dict] | None:
    """The winners with what the shop needs to reach them (not part of the published record)."""
    if record.get("status") != "held":
        return None
    tickets = dict(map(tuple, record.get("entrant_list") or []))
    details = []
    for card in record["winners"]:
        member = shop.members.get(card) or {}
        details.append(
            {
                "card": card,
                "name": member.get("name"),
                "phone": member.get("phone"),
                "tickets": tickets.get(card),
            }
        )
    return details


def _not_yet(record: dict) -> str:
    if record.get("status") != "committed":
        return _("not yet")
    last = date.fromisoformat(record["rules"]["to"])
    return _("not yet (it can run from {day})").format(day=formats.day(last + timedelta(days=1)))


def _moment(text: str | None, tz) -> str | None:
    """A stored moment in shop time, as people of the active language read it."""
    return formats.moment(clock.from_iso(text).astimezone(tz)) if text else text


def _tickets_rule(rule: str, currency: str) -> str:
    """What earns a ticket, in words: the stored rule is purchase, points or spend:AMOUNT."""
    if rule == "purchase":
        return _("one per purchase")
    if rule == "points":
        return _("one per point earned")
    if rule.startswith("spend:"):
        return _("one per {amount} spent").format(amount=formats.money(Decimal(rule[6:]), currency))
    return rule


def _prize(rules: dict) -> str:
    if rules.get("prize"):
        return rules["prize"]
    count = rules.get("prize_points") or 0
    return ngettext("{count} point", "{count} points", count).format(count=formats.number(count))


def _print_record(
    record: dict, as_json: bool, *, entrants: bool, details: list[dict] | None, tz, currency: str
) -> None:
    held = record.get("status") == "held"
    document = {key: record.get(key) for key in SHOWN}
    if not held:  # a commitment keeps its seed secret until the draw is held
        document.update(seed=None, winners=None, entrants=None, tickets=None, status=record.get("status"))
    if entrants and held:
        document["entrant_list"] = record["entrant_list"]
    if as_json:
        emit_json({**document, "winner_details": details})
        return
    rules = record["rules"]
    winners = [
        " ".join(str(part) for part in (w["card"], w["name"] or _("(name erased)"), w["phone"]) if part)
        for w in details or []
    ]
    window = _("{first} to {last}").format(
        first=formats.day(date.fromisoformat(rules["from"])),
        last=formats.day(date.fromisoformat(rules["to"])),
    )
    counted = {
        key: None if document[key] is None else formats.number(document[key])
        for key in ("entrants", "tickets")
    }
    pairs = [
        (_("Draw"), document["name"]),
        (_("Prize"), _prize(rules)),
        (_("Window"), window),
        (_("Tickets"), _tickets_rule(rules["tickets"], currency)),
        (_("Entrants"), counted["entrants"]),
        (_("Total tickets"), counted["tickets"]),
        (_("Winners"), winners or "-"),
        (_("Held at"), _moment(document["held_at"], tz) or _not_yet(record)),
        (_("Entrants SHA-256"), document["entrants_sha256"]),
        (_("Seed"), document["seed"] or _("(secret until the draw)")),
        (_("Seed SHA-256"), document["seed_sha256"]),
        (_("Algorithm"), document["algorithm"]),
    ]
    emit_pairs(pairs)
    if entrants and held:
        click.echo("")
        rows = [{"card": card, "tickets": tickets} for card, tickets in record["entrant_list"]]
        emit_table(rows, [("card", _("Card")), ("tickets", _("Tickets"))], title=_("Entrants"))

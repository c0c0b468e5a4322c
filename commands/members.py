"""`enroll` and `member ...`: who the members are and what they hold."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import click

from loyalty_cli import (
    balances,
    card_moves,
    cards,
    checkout,
    clock,
    expiry,
    formats,
    language,
    lots,
    members,
    pending,
    plans,
    projection,
    tiers,
)
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.money import to_text

from .context import AMOUNT, DAY, Env, complete_member, json_option, member_argument, output_options, pass_env
from .render import emit_csv, emit_json, emit_pairs, emit_table, note
from .translated import Command, Group

LIST_COLUMNS = ["card", "name", "phone", "email", "status", "tier", "balance"]
SORTS = ("name", "balance", "spend", "enrolled", "last-purchase")
SORT_COLUMNS = {"spend": "spend_12m", "enrolled": "enrolled_at", "last-purchase": "last_purchase"}
LIST_HEADERS = {
    "card": N_("Card"),
    "name": N_("person|Name"),  # a person's name, not a thing's (see `language.in_context`)
    "phone": N_("Phone"),
    "email": N_("Email"),
    "status": N_("Status"),
    "tier": N_("Tier"),
    "balance": N_("Balance"),
    "spend_12m": N_("Spend 12m"),
    "enrolled_at": N_("Enrolled"),
    "last_purchase": N_("Last purchase"),
}
LIST_MOMENTS = ("enrolled_at", "last_purchase")


@click.command(cls=Command)
@click.argument("name")
@click.option("--phone", help="Phone number; the programme's region is the default.")
@click.option("--email", help="E-mail address.")
@click.option("--birthday", help="Date of birth, YYYY-MM-DD.")
@click.option("--card", help="Use this card number instead of generating one.")
@click.option(
    "--referred-by",
    metavar="MEMBER",
    shell_complete=complete_member,
    help="Card or phone of the member who referred them.",
)
@click.option("--consent/--no-consent", default=False, help="Agreed to receive offers.  [default: no]")
@click.option(
    "--language",
    "member_language",
    metavar="[en|lv|ru]",
    help="The language the member reads: statements are written in it.  [default: the programme's]",
)
@click.option("--at", "when", metavar="WHEN", help="Enrolment time, for migrating history.")
@json_option
@pass_env
def enroll(
    env: Env, name, phone, email, birthday, card, referred_by, consent, member_language, when, as_json
):
    """Enrol a new member and print their card number.

    Generated card numbers have 12 digits, the last a Luhn check digit. Without
    --language the member gets the programme's language (`program set language`).

    \b
    Example:
      loyalty enroll "Anna Bērziņa" --phone 29123456 --birthday 1990-04-17 --consent
      loyalty enroll "Ivan Petrov" --phone 29765432 --language ru
    """
    with env.store().transaction() as shop:
        at = clock.parse_at(when, env.clock, shop.programme().tz)
        member = members.enroll(
            shop,
            name=name,
            at=at,
            phone=phone,
            email=email,
            birthday=birthday,
            card=card,
            consent=consent,
            referred_by=referred_by,
            operator=env.operator,
            language=member_language,
        )
    if as_json:
        programme = shop.programme()
        emit_json(member_json(member, programme, env.clock.today(programme.tz)))
    else:
        click.echo(member["card"])


@click.group(cls=Group)
def member():
    """Look up, list and look after members."""


@member.command("show")
@member_argument()
@click.option("--as-of", type=DAY, help="Show what the member held (points, tier) at the end of this day.")
@json_option
@pass_env
def member_show(env: Env, member_ref, as_of, as_json):
    """Show one member: details, balance, lots by expiry month, tier.

    MEMBER is a card number (spaces and dashes ignored) or a phone number.

    \b
    Example:
      loyalty member show 2912 3456
      loyalty member show 123456789015 --as-of 2025-12-31 --json
    """
    shop = env.store().read()
    found = members.find(shop, member_ref)
    programme = shop.programme()
    day = as_of or env.clock.today(programme.tz)
    if as_of is not None:
        until = clock.iso(clock.end_of_day(as_of, programme.tz))
        history = card_moves.entries_of(shop, found["card"])
        found["points"] = projection.rebuild((e for e in history if e.at <= until), programme.tz)
    document = member_json(found, programme, day)
    document["earlier_cards"] = card_moves.history_cards(shop, found["card"])[1:]
    document["rewards"] = _rewards(shop, found, day)
    if as_json:
        emit_json(document)
        return
    emit_pairs(_member_pairs(shop, document, programme) + _reward_pairs(shop, document))


def _rewards(shop, found: dict, day: date) -> list[dict]:
    """The rewards of the catalogue the member can take on `day` (rewards.available)."""
    from loyalty_cli import rewards

    return [{"name": r["name"], "points": r["points"]} for r in rewards.available(shop, found, day)]


def _reward_pairs(shop, document: dict) -> list[tuple[str, str]]:
    """The line of rewards the member can take now; none when the shop has no catalogue."""
    if not shop.rewards.all():
        return []
    shown = ", ".join(
        ngettext("{reward} ({count} point)", "{reward} ({count} points)", r["points"]).format(
            reward=r["name"], count=formats.number(r["points"])
        )
        for r in document["rewards"]
    )
    return [(_("Rewards within reach"), shown or _("none"))]


def _member_pairs(shop, document: dict, programme) -> list[tuple[str, object]]:
    """The lines of `member show` for people, in the active language."""
    currency, tz = programme.currency, programme.tz
    # A no-break space keeps each month with its points when a narrow terminal folds the line.
    held = sorted(document["lots"].items())
    lots_line = ", ".join(
        f"{_month(k, formats.month)}:\u00a0{_figure(programme, v)}"
        for k, v in held
        if k != lots.DEBT and not lots.is_pending(k)
    )
    balance = _held(programme, document["balance"])
    if _units(programme, document["debt"]):
        if programme.cashback:
            balance += " " + _("(owes {amount} from a refund; the next purchases pay it off first)").format(
                amount=_figure(programme, document["debt"])
            )
        else:
            balance += " " + ngettext(
                "(owes {count} point from a refund; the next purchases pay it off first)",
                "(owes {count} points from a refund; the next purchases pay it off first)",
                document["debt"],
            ).format(count=formats.number(document["debt"]))
    tier = document["tier"] or "-"
    if document["next_tier"]:
        more = formats.money(Decimal(document["spend_to_next_tier"]), currency)
        tier += " " + _("({amount} more to {tier})").format(amount=more, tier=document["next_tier"])
    expiring = document["next_expiry"]
    if expiring and programme.cashback:
        expiring = _("{amount} at the end of {month}").format(
            amount=_figure(programme, expiring["points"]), month=_month(expiring["month"])
        )
    elif expiring:
        expiring = ngettext(
            "{count} point at the end of {month}", "{count} points at the end of {month}", expiring["points"]
        ).format(count=formats.number(expiring["points"]), month=_month(expiring["month"]))
    code = document["language"]
    return [
        (_("Card"), cards.display(document["card"])),
        (language.in_context("person|Name"), document["name"]),
        (_("Phone"), document["phone"]),
        (_("E-mail"), document["email"]),
        (_("Birthday"), _day(document["birthday"])),
        (_("Status"), _status_line(document)),
        (_("Tier"), tier),
        *_membership_pairs(document),
        *_discount_pairs(programme, document),
        (_("Balance"), balance),
        *_pending_pairs(programme, document),
        (_("Lots (expire end of)"), lots_line or _("none")),
        (_("Next expiry"), expiring or "-"),
        (_("Spend, 12 months"), formats.money(Decimal(document["spend_12m"]), currency)),
        (_("Last purchase"), _moment(document["last_purchase"], tz) or "-"),
        (_("Enrolled"), _moment(document["enrolled_at"], tz)),
        (_("Consent"), _("yes") if document["consent"] else _("no")),
        (_("Language"), language.NAMES.get(code, code) if code else "-"),
        (_("Referred by"), _referrer_line(shop, document["referred_by"])),
        *([(_("Earlier cards"), ", ".join(document["earlier_cards"]))] if document["earlier_cards"] else []),
    ]


def _membership_pairs(document: dict) -> list[tuple[str, str]]:
    """The membership plan the member holds, if any: its plan and last day."""
    membership = document["membership"]
    if membership is None:
        return []
    until = _day(membership["until"])
    if membership["running"]:
        text = _("{plan} until {until}").format(plan=membership["plan"], until=until)
    else:
        text = _("{plan} from {first} until {until}").format(
            plan=membership["plan"], first=_day(membership["from"]), until=until
        )
    return [(_("Membership"), text)]


def _pending_pairs(programme, document: dict) -> list[tuple[str, str]]:
    """What is still pending (by the day it becomes spendable) and what can be spent: shown
    only while something is pending."""
    if not document["pending"]:
        return []
    days = ", ".join(
        _("{amount} from {day}").format(amount=_held(programme, v), day=_day(k))
        for k, v in document["pending"].items()
    )
    label = _("Pending cashback") if programme.cashback else _("Pending points")
    return [(label, days), (_("Can spend"), _held(programme, document["spendable"]))]


def _discount_pairs(programme, document: dict) -> list[tuple[str, str]]:
    """The member's discount: their tier's, and the threshold discount if the programme has
    one; no line when the programme gives no discounts at all."""
    threshold = programme.discount_threshold
    if (
        threshold is None
        and not any(t.discount for t in programme.tiers)
        and not Decimal(document["discount_percent"])
    ):
        return []
    own = formats.percent(Decimal(document["discount_percent"]))
    if threshold is None:
        return [(_("Discount"), _("{percent} %").format(percent=own))]
    fields = {
        "percent": own,
        "threshold_percent": formats.percent(programme.discount_percent),
        "threshold": formats.money(threshold, programme.currency),
    }
    if programme.discount_stack:
        text = _("{percent} %, plus {threshold_percent} % on receipts from {threshold}")
    else:
        text = _("{percent} %, or {threshold_percent} % on receipts from {threshold} if that is more")
    return [(_("Discount"), text.format(**fields))]


def _units(programme, value) -> int:
    """A balance figure of `member_json` (points, or a money string in cashback) in ledger units."""
    return int(Decimal(value).scaleb(2)) if programme.cashback else value


def _figure(programme, value) -> str:
    """A balance figure of `member_json`, bare: "1,234" points, or "€12.34"."""
    return balances.figure(programme, _units(programme, value))


def _held(programme, value) -> str:
    """A balance figure of `member_json` with its unit: "1,234 points", or "€12.34"."""
    return balances.amount(programme, _units(programme, value))


def _month(key: str, form=formats.month_number) -> str:
    """A lot's expiry month (kept as 2027-01) as people read it, or "never": in figures
    (2027-01 / 01.2027.) for inside a sentence, or with `form=formats.month` by name
    (January 2027 / janvāris 2027) for a list."""
    if key == "never":
        return _("never")
    try:
        year, month = int(key[:4]), int(key[5:7])
    except ValueError:  # edited by hand into something else: shown, not hidden
        return key
    return form(year, month) if len(key) == 7 and key[4] == "-" else key


def _day(text: str | None) -> str | None:
    """A stored date (YYYY-MM-DD) as people read it: 1990-04-17 / 17.04.1990; another text as it is."""
    try:
        return formats.day(date.fromisoformat(text)) if isinstance(text, str) and text else text
    except ValueError:  # edited by hand into something else: shown, not hidden
        return text


def _moment(text: str | None, tz) -> str | None:
    """A stored moment in shop time, to the minute, as people read it in the active language."""
    return formats.moment(clock.from_iso(text).astimezone(tz)) if text else text


def _status_line(document: dict) -> str:
    """The status, with the reason for a block or a closure and where a merged card went.

    The reasons loyalty itself stores (in English) are shown in the active language; the
    reasons an operator typed, as typed.
    """
    line = members.status_name(document["status"])
    reason = document["status_reason"]
    into = document["merged_into"]
    if into and reason == f"merged into {into}":  # said below, translated
        reason = None
    elif reason == members.ERASED:
        reason = _(members.ERASED)
    if document["status"] != "active" and reason:
        line += f" ({reason})"
    if into:
        line += ", " + _("merged into {card}").format(card=into)
    return line


def _referrer_line(shop, card: str | None) -> str:
    if not card:
        return "-"
    referrer = shop.members.get(card)
    name = referrer.get("name") if referrer else None
    return f"{cards.display(card)} ({name})" if name else cards.display(card)


@member.command("list")
@click.option("--tier", help="Only members of this tier.")
@click.option("--status", type=click.Choice(members.STATUSES), help="Only members with this status.")
@click.option(
    "--search",
    metavar="TEXT",
    help="Only members whose name, e-mail or card contains TEXT (case and diacritics ignored), "
    "or whose phone contains its digits.",
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    help="Order by name (A-Z), or by balance, spend (12 months), enrolled or last-purchase, "
    "highest or newest first.  [default: enrolment order]",
)
@click.option("--reverse", is_flag=True, help="Reverse the order.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Show at most N members.")
@output_options
@pass_env
def member_list(env: Env, tier, status, search, sort, reverse, limit, as_json, as_csv):
    """List members, optionally filtered, sorted and cut short.

    `berz` finds Bērziņa and `kalnin` finds Kalniņa; `29123456` finds the member
    with phone +371 29123456. An empty result says so on stderr.

    \b
    Example:
      loyalty member list --status active --search berz
      loyalty member list --sort balance --limit 10
      loyalty member list --tier Gold --csv > gold.csv
    """
    from loyalty_cli import member_search

    shop = env.store().read()
    programme = shop.programme()
    today = env.clock.today(programme.tz)
    rows = member_search.find_members(
        shop, search=search, tier=tier, status=status, sort=sort, limit=limit, reverse=reverse, day=today
    )
    columns = list(LIST_COLUMNS)
    if sort in SORT_COLUMNS and SORT_COLUMNS[sort] not in columns:
        columns.append(SORT_COLUMNS[sort])
    for row in rows:
        if "spend_12m" in row:
            row["spend_12m"] = to_text(row["spend_12m"])
    if not rows:
        note(_("No members match.") if (search or tier or status) else _("No members yet."))
    if as_json:
        emit_json([_data_row(row, programme) for row in rows])
    elif as_csv:
        emit_csv([_data_row(row, programme) for row in rows], columns, numeric=("balance", "spend_12m"))
    elif rows:  # an empty table would only say "Nothing to list."
        shown = [_shown_row(row, programme) for row in rows]
        headers = [(c, language.in_context(LIST_HEADERS.get(c, c.capitalize()))) for c in columns]
        emit_table(shown, headers)


def _data_row(row: dict, programme) -> dict:
    """A list row for --json and --csv: in a cashback programme the balance is money ("12.34")."""
    if programme.cashback and isinstance(row.get("balance"), int):
        return {**row, "balance": balances.json_value(programme, row["balance"])}
    return row


def _shown_row(row: dict, programme) -> dict:
    """A list row for people: the status, counts, money and moments (in shop time, as `member
    show` gives them) as the active language writes them; stored oddities as they are."""
    currency, tz = programme.currency, programme.tz
    shown = dict(row)
    shown["status"] = members.status_name(row.get("status"))
    if isinstance(row.get("balance"), int):
        shown["balance"] = balances.figure(programme, row["balance"])
    if "spend_12m" in row:
        shown["spend_12m"] = formats.money(Decimal(row["spend_12m"]), currency)
    for key in LIST_MOMENTS:
        if isinstance(row.get(key), str):
            shown[key] = _moment(row[key], tz)
    return shown


@member.command("edit")
@member_argument()
@click.option("--name")
@click.option("--phone", help="New phone; an empty string removes it.")
@click.option("--email", help="New e-mail; an empty string removes it.")
@click.option("--birthday", help="YYYY-MM-DD; an empty string removes it.")
@click.option("--consent/--no-consent", default=None)
@click.option("--language", metavar="[en|lv|ru]", help="The language the member reads.")
@json_option
@pass_env
def member_edit(env: Env, member_ref, as_json, **given):
    """Change a member's personal details, or the language they read.

    \b
    Example:
      loyalty member edit 123456789015 --phone 29999999 --consent
      loyalty member edit 29123456 --language lv
    """
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise click.UsageError(
            _("give at least one of --name, --phone, --email, --birthday, --consent, --language")
        )
    with env.store().transaction() as shop:
        found = members.find(shop, member_ref)
        updated = members.edit(shop, found, changes, env.clock.today(shop.programme().tz))
    _print_member_change(env, updated, shop, as_json, N_("Updated member {card} ({status})"))


def _status_options(function):
    """MEMBER, --reason and --json: what block, unblock and close take."""
    function = pass_env(function)
    function = json_option(function)
    function = click.option("--reason", help="Why; kept with the member.")(function)
    return member_argument()(function)


@member.command("block")
@_status_options
def member_block(env: Env, member_ref, reason, as_json):
    """Block a member. Blocked and closed members cannot earn or redeem.

    \b
    Example:
      loyalty member block 123456789015 --reason "..."
    """
    _change_status(env, member_ref, "block", reason, as_json, N_("Blocked member {card} ({status})"))


@member.command("unblock")
@_status_options
def member_unblock(env: Env, member_ref, reason, as_json):
    """Unblock a member. Blocked and closed members cannot earn or redeem.

    \b
    Example:
      loyalty member unblock 123456789015 --reason "..."
    """
    _change_status(env, member_ref, "unblock", reason, as_json, N_("Unblocked member {card} ({status})"))


@member.command("close")
@_status_options
def member_close(env: Env, member_ref, reason, as_json):
    """Close a member. Blocked and closed members cannot earn or redeem.

    \b
    Example:
      loyalty member close 123456789015 --reason "..."
    """
    _change_status(env, member_ref, "close", reason, as_json, N_("Closed member {card} ({status})"))


def _change_status(env: Env, member_ref: str, action: str, reason, as_json: bool, said: str) -> None:
    with env.store().transaction() as shop:
        found = members.find(shop, member_ref)
        updated = members.set_status(shop, found, action, reason, at=env.clock.now, operator=env.operator)
    _print_member_change(env, updated, shop, as_json, said)


@member.command("replace-card")
@member_argument("old", "OLD")
@click.option("--card", "new_card", metavar="NEW", help="The new card's number.  [default: a new number]")
@click.option("--reason", metavar="TEXT", help="Why (lost, damaged ...); kept on the ledger.")
@json_option
@pass_env
def member_replace_card(env: Env, old, new_card, reason, as_json):
    """Give a member a new card for a lost or damaged one.

    Everything carries over to the new card: balance, lots, tier, spend, history and
    referrals (members referred by the old card now name the new one). The old card then
    names no member: a purchase or any other write on it is refused with a message naming
    the new card. OLD is a card number or the member's phone number.

    \b
    Example:
      loyalty member replace-card 123456789015 --reason "lost"
      loyalty member replace-card 29123456 --card 4000123412341234 --json
    """
    from loyalty_cli import card_moves

    with env.store().transaction() as shop:
        done = card_moves.replace_card(
            shop, old, at=env.clock.now, operator=env.operator, new_card=new_card, reason=reason
        )
        programme = shop.programme()
    if as_json:
        emit_json({**done.to_json(), "balance": balances.json_value(programme, done.balance)})
        return
    click.echo(
        _("Card {old} replaced by {new}; balance {points}").format(
            old=cards.display(done.old_card),
            new=cards.display(done.new_card),
            points=balances.amount(programme, done.balance),
        )
    )
    if done.referrals:
        note(
            ngettext(
                "{count} referred member now names the new card",
                "{count} referred members now name the new card",
                done.referrals,
            ).format(count=formats.number(done.referrals))
        )


@member.command("merge")
@member_argument("keep", "KEEP")
@member_argument("other", "OTHER")
@click.option("--yes", is_flag=True, help="Really merge; it cannot be undone.")
@json_option
@pass_env
def member_merge(env: Env, keep, other, yes, as_json):
    """Join two records of one customer: OTHER's points, spend and history move to KEEP.

    OTHER's points keep their expiry months; its purchases count towards KEEP's tier and
    its entries show on KEEP's statements. OTHER is closed and keeps nothing; a write on
    it is refused with a message naming KEEP. KEEP keeps its own personal details and
    takes OTHER's phone, e-mail and birthday where it has none.

    \b
    Example:
      loyalty member merge 123456789015 29123456 --yes
    """
    from loyalty_cli import card_moves
    from loyalty_cli.errors import Refused

    if not yes:
        raise Refused(_("merging moves everything of OTHER onto KEEP for good; run again with --yes"))
    with env.store().transaction() as shop:
        done = card_moves.merge(shop, keep, other, at=env.clock.now, operator=env.operator)
        programme = shop.programme()
    if as_json:
        value = functools.partial(balances.json_value, programme)
        emit_json(
            {**done.to_json(), "balance": value(done.balance), "points_moved": value(done.points_moved)}
        )
        return
    if programme.cashback:
        moved = _("{amount} moved").format(amount=balances.figure(programme, done.points_moved))
    else:
        moved = ngettext("{count} point moved", "{count} points moved", done.points_moved).format(
            count=formats.number(done.points_moved)
        )
    click.echo(
        _("Merged member {merged} into {card} ({moved}); balance {points}").format(
            merged=done.merged, card=done.card, moved=moved, points=balances.amount(programme, done.balance)
        )
    )


@member.command("erase")
@member_argument()
@click.option("--yes", is_flag=True, help="Really erase; it cannot be undone.")
@json_option
@pass_env
def member_erase(env: Env, member_ref, yes, as_json):
    """Erase a member's personal data (name, phone, e-mail, birthday) for good.

    The data is removed from the data file and from every backup copy in the data
    directory; the card is closed and its ledger stays, under the card number, with an
    entry recording the erasure. Archives kept elsewhere still hold the data until they
    are rotated out. Running it again finishes an interrupted erasure.

    \b
    Example:
      loyalty member erase 123456789015 --yes
    """
    from loyalty_cli import privacy
    from loyalty_cli.errors import Refused

    if not yes:
        raise Refused(_("erasing removes this member's personal data for good; run again with --yes"))
    done = privacy.erase(env.store(), member_ref, now=env.clock, operator=env.operator)
    if as_json:
        emit_json(done.to_json())
        return
    if done.already:
        tz = env.store().read().programme().tz
        when = _moment(done.erased_at, tz)
        click.echo(_("Member {card} was already erased ({when})").format(card=done.card, when=when))
    else:
        click.echo(
            _("Erased the personal data of member {card}; the ledger stays under the card number").format(
                card=done.card
            )
        )
    if done.rewritten:
        count = len(done.rewritten)
        note(
            ngettext(
                "Also removed it from {count} backup file in the data directory",
                "Also removed it from {count} backup files in the data directory",
                count,
            ).format(count=formats.number(count))
        )
    for name in done.left:
        note(
            _("Warning: {file} could not be read, so it may still hold the member's data; delete it").format(
                file=name
            )
        )


@member.command("export")
@member_argument()
@pass_env
def member_export(env: Env, member_ref):
    """Print everything held about one member as one JSON document.

    The member's details, status and points, every ledger entry on their card, the draws
    they took part in and the members they referred: what a shop owes a customer who asks.
    In a cashback programme the entries keep cents, and `cashback` gives the balance as money.

    \b
    Example:
      loyalty member export 29123456 > anna-berzina.json
    """
    from loyalty_cli import privacy

    shop = env.store().read()
    document = privacy.export(shop, member_ref, now=env.clock)
    programme = shop.programme()
    if programme.cashback:  # the ledger's points are cents: the balance said as money too
        document["cashback"] = {
            "currency": programme.currency,
            "balance": balances.json_value(programme, document["member"]["points"]["balance"]),
        }
    emit_json(document)


def _print_member_change(env: Env, found: dict, shop, as_json: bool, said: str) -> None:
    """The member as JSON, or `said` (a sentence with {card} and {status}) in the active language."""
    if as_json:
        programme = shop.programme()
        emit_json(member_json(found, programme, env.clock.today(programme.tz)))
    else:
        click.echo(_(said).format(card=found["card"], status=members.status_name(found["status"])))


def member_json(doc: dict, programme, day: date) -> dict:
    """The SPEC keys of `member show --json` as of the end of `day` (the tier held then, the
    spend over its tier window, the points still pending then), and more.

    Pending points already due on `day` count as confirmed. In a cashback programme every
    balance figure is money, a "12.34" string (the ledger keeps cents)."""
    points = doc["points"]
    spend = projection.spend_in_window(points, day)
    held = tiers.held_at(programme, doc, clock.iso(clock.end_of_day(day, programme.tz)))
    above = tiers.above(programme, held)
    shown = balances.shown_lots(points["lots"], day.isoformat())
    waiting = pending.held_lots(shown, day.isoformat())
    soonest = expiry.next_expiry({"points": {"lots": shown}})
    value = functools.partial(balances.json_value, programme)
    return {
        "card": doc["card"],
        "name": doc.get("name"),
        "phone": doc.get("phone"),
        "email": doc.get("email"),
        "birthday": doc.get("birthday"),
        "status": doc["status"],
        "tier": held.name if held else None,
        "balance": value(points["balance"]),
        "lots": {k: value(v) for k, v in shown.items()},
        "spend_12m": to_text(spend),
        "enrolled_at": doc["enrolled_at"],
        "consent": doc.get("consent", False),
        "status_reason": doc.get("status_reason"),
        "language": doc.get("language"),
        "referred_by": doc.get("referred_by"),
        "merged_into": doc.get("merged_into"),
        "purchases": points["purchases"],
        "last_purchase": points["last_purchase"],
        "debt": value(-shown.get(lots.DEBT, 0)),
        "next_expiry": {"month": soonest[0], "points": value(soonest[1])} if soonest else None,
        "next_tier": above.name if above else None,
        "spend_to_next_tier": to_text(max(above.spend - spend, Decimal(0))) if above else None,
        "pending_points": value(sum(waiting.values())),
        "pending": {k: value(v) for k, v in waiting.items()},
        "spendable": value(points["balance"] - sum(waiting.values())),
        "discount_percent": str(
            checkout.best(
                programme, held.discount if held else Decimal(0), checkout.plan_percent(doc, day.isoformat())
            )
        ),
        "membership": plans.membership_json(doc, day.isoformat()),
    }


@member.command("subscribe")
@member_argument()
@click.argument("plan_name", metavar="PLAN")
@click.option("--paid", type=AMOUNT, metavar="AMOUNT", help="The fee paid.  [default: the plan's fee]")
@click.option("--at", "when", metavar="WHEN", help="When it was bought (ISO 8601), if not now.")
@json_option
@pass_env
def member_subscribe(env: Env, member_ref, plan_name, paid, when, as_json):
    """Buy membership plan PLAN for MEMBER; the fee is recorded and earns nothing.

    The membership runs from the day it is bought for the plan's months, and while it runs
    the member earns with the better of their tier's and the plan's multiplier, and gets
    the better discount. Subscribing again while it runs renews it: the new period starts
    the day after the current last day, so no day paid for is lost. Another plan can be
    bought once the running one has ended. Blocked and closed members are refused.

    \b
    Example:
      loyalty member subscribe 123456789015 "Gold club"
      loyalty member subscribe 29123456 "Gold club" --paid 15.00 --json
    """
    from .plans import subscribe

    subscribe(env, member_ref, plan_name, paid, when, as_json)

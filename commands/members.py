"""`enroll` and `member ...`: who the members are and what they hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click

from loyalty_cli import card_moves, cards, clock, expiry, lots, members, projection, tiers
from loyalty_cli.money import to_text

from .context import DAY, Env, json_option, output_options, pass_env
from .render import emit_csv, emit_json, emit_pairs, emit_table, note
from .translated import Command, Group

LIST_COLUMNS = ["card", "name", "phone", "email", "status", "tier", "balance"]
SORTS = ("name", "balance", "spend", "enrolled", "last-purchase")
SORT_COLUMNS = {"spend": "spend_12m", "enrolled": "enrolled_at", "last-purchase": "last_purchase"}
LIST_HEADERS = {"spend_12m": "Spend 12m", "enrolled_at": "Enrolled", "last_purchase": "Last purchase"}
LIST_MOMENTS = ("enrolled_at", "last_purchase")


@click.command(cls=Command)
@click.argument("name")
@click.option("--phone", help="Phone number; the programme's region is the default.")
@click.option("--email", help="E-mail address.")
@click.option("--birthday", help="Date of birth, YYYY-MM-DD.")
@click.option("--card", help="Use this card number instead of generating one.")
@click.option("--referred-by", metavar="MEMBER", help="Card or phone of the member who referred them.")
@click.option("--consent/--no-consent", default=False, help="Agreed to receive offers.  [default: no]")
@click.option("--at", "when", metavar="WHEN", help="Enrolment time, for migrating history.")
@json_option
@pass_env
def enroll(env: Env, name, phone, email, birthday, card, referred_by, consent, when, as_json):
    """Enrol a new member and print their card number.

    Generated card numbers have 12 digits, the last a Luhn check digit.

    \b
    Example:
      loyalty enroll "Anna Bērziņa" --phone 29123456 --birthday 1990-04-17 --consent
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
@click.argument("member_ref", metavar="MEMBER")
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
    if as_json:
        emit_json(document)
        return
    # A no-break space keeps each month with its points when a narrow terminal folds the line.
    lots = ", ".join(f"{k}:\u00a0{v}" for k, v in sorted(document["lots"].items()) if k != "debt") or "none"
    balance = f"{document['balance']} points"
    if document["debt"]:
        balance += f" (owes {document['debt']} points from a refund; the next purchases pay it off first)"
    tier = document["tier"] or "-"
    if document["next_tier"]:
        tier += f" ({document['spend_to_next_tier']} {programme.currency} more to {document['next_tier']})"
    expiring = document["next_expiry"]
    emit_pairs(
        [
            ("Card", cards.display(document["card"])),
            ("Name", document["name"]),
            ("Phone", document["phone"]),
            ("E-mail", document["email"]),
            ("Birthday", document["birthday"]),
            ("Status", _status_line(document)),
            ("Tier", tier),
            ("Balance", balance),
            ("Lots (expire end of)", lots),
            (
                "Next expiry",
                f"{expiring['points']} points at the end of {expiring['month']}" if expiring else "-",
            ),
            ("Spend, 12 months", f"{document['spend_12m']} {programme.currency}"),
            ("Last purchase", clock.local_text(document["last_purchase"], programme.tz) or "-"),
            ("Enrolled", clock.local_text(document["enrolled_at"], programme.tz)),
            ("Consent", "yes" if document["consent"] else "no"),
            ("Language", document["language"] or "-"),
            ("Referred by", _referrer_line(shop, document["referred_by"])),
            *([("Earlier cards", ", ".join(document["earlier_cards"]))] if document["earlier_cards"] else []),
        ]
    )


def _status_line(document: dict) -> str:
    """The status, with the reason for a block or a closure and where a merged card went."""
    line = document["status"]
    if document["status"] != "active" and document["status_reason"]:
        line += f" ({document['status_reason']})"
    if document["merged_into"] and "merged" not in line:
        line += f", merged into {document['merged_into']}"
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
    today = env.clock.today(shop.programme().tz)
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
        note("No members match." if (search or tier or status) else "No members yet.")
    if as_json:
        emit_json(rows)
    elif as_csv:
        emit_csv(rows, columns, numeric=("balance", "spend_12m"))
    elif rows:  # an empty table would only say "Nothing to list."
        tz = shop.programme().tz  # people read moments in shop time, as `member show` shows them
        shown = [{**row, **{k: _local(row[k], tz) for k in LIST_MOMENTS if k in row}} for row in rows]
        emit_table(shown, [(c, LIST_HEADERS.get(c, c.capitalize())) for c in columns])


def _local(moment, tz) -> object:
    return clock.local_text(moment, tz) if isinstance(moment, str) else moment


@member.command("edit")
@click.argument("member_ref", metavar="MEMBER")
@click.option("--name")
@click.option("--phone", help="New phone; an empty string removes it.")
@click.option("--email", help="New e-mail; an empty string removes it.")
@click.option("--birthday", help="YYYY-MM-DD; an empty string removes it.")
@click.option("--consent/--no-consent", default=None)
@json_option
@pass_env
def member_edit(env: Env, member_ref, as_json, **given):
    """Change a member's personal details.

    \b
    Example:
      loyalty member edit 123456789015 --phone 29999999 --consent
    """
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise click.UsageError("give at least one of --name, --phone, --email, --birthday, --consent")
    with env.store().transaction() as shop:
        found = members.find(shop, member_ref)
        updated = members.edit(shop, found, changes, env.clock.today(shop.programme().tz))
    _print_member_change(env, updated, shop, as_json, "Updated")


def _status_command(action: str, summary: str):
    @member.command(action)
    @click.argument("member_ref", metavar="MEMBER")
    @click.option("--reason", help="Why; kept with the member.")
    @json_option
    @pass_env
    def command(env: Env, member_ref, reason, as_json):
        with env.store().transaction() as shop:
            found = members.find(shop, member_ref)
            updated = members.set_status(shop, found, action, reason, at=env.clock.now, operator=env.operator)
        _print_member_change(env, updated, shop, as_json, summary)

    command.__doc__ = (
        f"{summary} a member. Blocked and closed members cannot earn or redeem.\n\n"
        f'    \b\n    Example:\n      loyalty member {action} 123456789015 --reason "..."\n'
    )
    command.help = command.__doc__
    return command


block = _status_command("block", "Block")
unblock = _status_command("unblock", "Unblock")
close = _status_command("close", "Close")


@member.command("replace-card")
@click.argument("old", metavar="OLD")
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
    if as_json:
        emit_json(done.to_json())
        return
    click.echo(
        f"Card {cards.display(done.old_card)} replaced by {cards.display(done.new_card)}; "
        f"balance {done.balance} points"
    )
    if done.referrals:
        note(f"{done.referrals} referred member(s) now name the new card")


@member.command("merge")
@click.argument("keep", metavar="KEEP")
@click.argument("other", metavar="OTHER")
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
        raise Refused("merging moves everything of OTHER onto KEEP for good; run again with --yes")
    with env.store().transaction() as shop:
        done = card_moves.merge(shop, keep, other, at=env.clock.now, operator=env.operator)
    if as_json:
        emit_json(done.to_json())
        return
    click.echo(
        f"Merged member {done.merged} into {done.card} ({done.points_moved} points moved); "
        f"balance {done.balance} points"
    )


@member.command("erase")
@click.argument("member_ref", metavar="MEMBER")
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
        raise Refused("erasing removes this member's personal data for good; run again with --yes")
    done = privacy.erase(env.store(), member_ref, now=env.clock, operator=env.operator)
    if as_json:
        emit_json(done.to_json())
        return
    if done.already:
        tz = env.store().read().programme().tz
        click.echo(f"Member {done.card} was already erased ({clock.local_text(done.erased_at, tz)})")
    else:
        click.echo(f"Erased the personal data of member {done.card}; the ledger stays under the card number")
    if done.rewritten:
        note(f"Also removed it from {len(done.rewritten)} backup file(s) in the data directory")
    for name in done.left:
        note(f"Warning: {name} could not be read, so it may still hold the member's data; delete it")


@member.command("export")
@click.argument("member_ref", metavar="MEMBER")
@pass_env
def member_export(env: Env, member_ref):
    """Print everything held about one member as one JSON document.

    The member's details, status and points, every ledger entry on their card, the draws
    they took part in and the members they referred: what a shop owes a customer who asks.

    \b
    Example:
      loyalty member export 29123456 > anna-berzina.json
    """
    from loyalty_cli import privacy

    emit_json(privacy.export(env.store().read(), member_ref, now=env.clock))


def _print_member_change(env: Env, found: dict, shop, as_json: bool, verb: str) -> None:
    if as_json:
        programme = shop.programme()
        emit_json(member_json(found, programme, env.clock.today(programme.tz)))
    else:
        click.echo(f"{verb} member {found['card']} ({found['status']})")


def member_json(doc: dict, programme, day: date) -> dict:
    """The SPEC keys of `member show --json` as of the end of `day` (the tier held then, the
    spend over its tier window), and more."""
    points = doc["points"]
    spend = projection.spend_in_window(points, day)
    held = tiers.held_at(programme, doc, clock.iso(clock.end_of_day(day, programme.tz)))
    above = tiers.above(programme, held)
    soonest = expiry.next_expiry(doc)
    return {
        "card": doc["card"],
        "name": doc.get("name"),
        "phone": doc.get("phone"),
        "email": doc.get("email"),
        "birthday": doc.get("birthday"),
        "status": doc["status"],
        "tier": held.name if held else None,
        "balance": points["balance"],
        "lots": dict(sorted(points["lots"].items())),
        "spend_12m": to_text(spend),
        "enrolled_at": doc["enrolled_at"],
        "consent": doc.get("consent", False),
        "status_reason": doc.get("status_reason"),
        "language": doc.get("language"),
        "referred_by": doc.get("referred_by"),
        "merged_into": doc.get("merged_into"),
        "purchases": points["purchases"],
        "last_purchase": points["last_purchase"],
        "debt": -points["lots"].get(lots.DEBT, 0),
        "next_expiry": {"month": soonest[0], "points": soonest[1]} if soonest else None,
        "next_tier": above.name if above else None,
        "spend_to_next_tier": to_text(max(above.spend - spend, Decimal(0))) if above else None,
    }

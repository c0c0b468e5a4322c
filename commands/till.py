"""`till`: the cashier's interactive session (the lines it reads are in loyalty_cli/till.py)."""

from __future__ import annotations

import contextlib
import gc
import sys
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

import click

from loyalty_cli import balances, bonuses, cards, clock, formats, pending, projection
from loyalty_cli import till as counter
from loyalty_cli.errors import LoyaltyError
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.text_fields import printable_lines

from .context import Env, pass_env
from .render import on_terminal, printable
from .translated import Command

# Points that lapse within this many days are pointed out to the cashier.
EXPIRY_SOON_DAYS = 31
# A search lists at most this many members.
SEARCH_LIMIT = 10
HELP = N_(
    """  2733 7699 0225     scan or type a card (spaces and dashes ignored), or a phone
  12,30              a purchase of 12.30 by the customer (12.30 too)
  12,30 #K1-45       ... with its receipt number (otherwise one is made up)
  12,30 pay 200      ... paying 200 points of it (pay all: all they can spend)
  1234,50 !          ... recorded even above the largest purchase
  r 200              redeem 200 points (r 3,45 in a cashback programme)
  r Coffee           redeem a reward of the catalogue
  refund K1-45       refund a receipt (refund K1-45 4,00: part of it)
  /berz              look members up by name, e-mail, card or phone
  Enter              next customer
  ?                  this help
  q                  quit (Ctrl-D too)"""
)


@click.command(cls=Command)
@click.option("--store", "place", help="Which shop of the business the till is in; recorded on purchases.")
@pass_env
def till(env: Env, place):
    """Serve customers at the till: scan a card, type an amount, and so on.

    Each line is one action, recorded at once in its own transaction: a card or phone
    shows the member (balance, tier, discount, rewards within reach, a birthday today,
    points about to expire; a blocked member is refused); an amount records their
    purchase; `r 200` or `r REWARD` redeems; `refund RECEIPT [AMOUNT]` refunds;
    `/TEXT` looks members up; `?` lists every line; an empty line starts the next
    customer; `q` or Ctrl-D ends the session. A mistyped line is refused with one line
    and nothing is recorded; the session goes on.

    On a terminal the answers are coloured and the lines have a history (arrow keys);
    piped, the till reads lines and prints plain answers, so it can be scripted: the
    session then exits 1 when any line was refused (all the others are recorded).

    \b
    Example:
      loyalty till
      loyalty till --store "Rīga, Brīvības 12"
      printf '2733 7699 0225\\n12,30\\n\\nq\\n' | loyalty till
    """
    terminal = on_terminal(sys.stdin) and on_terminal(sys.stdout)
    screen = Screen(terminal)
    session = counter.Till(env.store(), lambda: clock.Clock.system().now, operator=env.operator, place=place)
    session.reading()  # no programme: refused before the first line
    _warm_up()
    if terminal:
        screen.note(_("Till ready. Scan a card; ? for help, q to quit."))
    for line in _lines(terminal, session):
        try:
            action = counter.read_line(line, serving=session.card is not None)
            if isinstance(action, counter.Quit):
                break
            _do(session, action, screen)
        except LoyaltyError as error:
            screen.error(str(error))
        finally:
            session.rest()
    session.forget()
    if screen.refused and not on_terminal(sys.stdin):
        raise SystemExit(1)  # a script learns that some of its lines were not recorded


def _do(session: counter.Till, action, screen: Screen) -> None:
    """Carry out one action and show its outcome."""
    if isinstance(action, counter.Next):
        session.next_customer()
    elif isinstance(action, counter.Help):
        screen.say(_(HELP))
    elif isinstance(action, counter.LookUp):
        member = session.look_up(action.text)
        screen.member(_member_lines(session.reading(), member))
    elif isinstance(action, counter.Search):
        _search(session, action.text, screen)
    elif isinstance(action, counter.Purchase):
        _done, shown = session.purchase(action, then=_after_purchase)
        screen.done(shown)
    elif isinstance(action, counter.Redeem):
        _done, shown = session.redeem(action, then=_after_redeem)
        screen.done(shown)
    elif isinstance(action, counter.Refund):
        _done, shown = session.refund(action, then=_after_refund)
        screen.done(shown)


def _lines(terminal: bool, session: counter.Till):
    """The lines typed: with a prompt and a history on a terminal (readline), else read as
    they come; the end of the input ends the session.

    Before each line, what the last action left behind is freed (its shop holds reference
    cycles): while the cashier types, never during an action.
    """
    if terminal:
        with contextlib.suppress(ImportError):  # input() gains line editing and a history
            import readline  # noqa: F401
    while True:
        gc.collect()
        if not terminal:
            line = sys.stdin.readline()
            if not line:
                return
            yield line
            continue
        try:
            yield input(_prompt(session))
        except EOFError:
            click.echo()
            return
        except KeyboardInterrupt:
            click.echo()  # Ctrl-C drops the line typed so far, as a shell does


def _prompt(session: counter.Till) -> str:
    if session.card is None:
        return _("card or phone> ")
    return f"{cards.display(session.card)}> "


def _warm_up() -> None:
    """Import what the actions use now, so that the first customer waits no longer than
    the others; the objects of the start are then set aside from the cycle collector."""
    from loyalty_cli import member_search, refunds, rewards  # noqa: F401

    from . import members, points  # noqa: F401

    if not gc.isenabled():  # `loyalty` turns it off for a one-shot command (cli.main)
        gc.enable()  # the session lives long: what each action leaves behind must be freed
        gc.freeze()


# -- what the cashier sees -----------------------------------------------------------------


class Screen:
    """The till's output: coloured on a terminal (rich, loaded only there), plain when piped.

    Answers go to stdout and refusals to stderr, each line written (and flushed) at once.
    """

    STYLES: ClassVar[dict[str, str]] = {
        "member": "bold",
        "refused": "bold red",
        "warn": "bold yellow",
        "happy": "bold magenta",
        "done": "green",
        "note": "dim",
    }

    def __init__(self, terminal: bool):
        self.refused = 0  # lines refused so far
        self.console = None
        self.errors = None
        if terminal:
            from rich.console import Console

            self.console = Console(highlight=False)
            self.errors = Console(stderr=True, highlight=False)

    def say(self, text: str, style: str | None = None) -> None:
        text = printable_lines(text)
        if self.console is None:
            click.echo(text)
        else:
            self.console.print(text, style=self.STYLES.get(style), markup=False)

    def note(self, text: str) -> None:
        self.say(text, "note")

    def member(self, lines: list[tuple[str, str | None]]) -> None:
        for text, style in lines:
            self.say(text, style)

    def done(self, lines: list[str]) -> None:
        for index, text in enumerate(lines):
            self.say(text, "done" if index == 0 else None)

    def error(self, message: str) -> None:
        self.refused += 1
        text = _("Error: {message}").format(message=printable(message))
        if self.errors is None:
            click.echo(text, err=True)
        else:
            self.errors.print(text, style="bold red", markup=False)


def _member_lines(shop, member: dict) -> list[tuple[str, str | None]]:
    """The member as the cashier sees them on a scan: who, tier and discount, the balance,
    and what to tell them (a birthday, points about to lapse, rewards within reach)."""
    from loyalty_cli import members, rewards

    from .members import member_json

    programme = shop.programme()
    today = clock.Clock.system().today(programme.tz)
    document = member_json(member, programme, today)
    name = member.get("name") or _("(name erased)")
    who = _("{name} ({card})").format(name=name, card=cards.display(member["card"]))
    details = [document["tier"] or None]
    if Decimal(document["discount_percent"]):
        percent = formats.percent(Decimal(document["discount_percent"]))
        details.append(_("discount {percent} %").format(percent=percent))
    heading = ", ".join([who, *(d for d in details if d)])
    lines: list[tuple[str, str | None]] = [(heading, "member")]
    if member["status"] != "active" or member.get("merged_into"):
        try:
            members.require_active(member)
        except LoyaltyError as refusal:
            why = member.get("status_reason")
            text = _("NOT SERVED: {refusal}").format(refusal=refusal)
            if why:
                text += " " + _("({reason})").format(reason=why)
            lines.append(("  " + text, "refused"))
            return lines
    units = member["points"]["balance"]
    spendable = pending.spendable(member, today.isoformat())
    text = _("Balance {balance}").format(balance=balances.amount(programme, units))
    if spendable != units:
        text += "; " + _("can spend {amount}").format(amount=balances.amount(programme, max(spendable, 0)))
    lines.append(("  " + text, None))
    if bonuses.born_on(member.get("birthday"), today):
        lines.append(("  " + _("Birthday today!"), "happy"))
    soon = _expiring_soon(programme, document, today)
    if soon:
        lines.append(("  " + soon, "warn"))
    within = rewards.available(shop, member, today)
    if within:
        shown = ", ".join(
            ngettext("{reward} ({count} point)", "{reward} ({count} points)", r["points"]).format(
                reward=r["name"], count=formats.number(r["points"])
            )
            for r in within
        )
        lines.append(("  " + _("Rewards within reach: {rewards}").format(rewards=shown), None))
    return lines


def _expiring_soon(programme, document: dict, today: date) -> str | None:
    """The points that lapse within EXPIRY_SOON_DAYS, said for the cashier, or None."""
    soonest = document["next_expiry"]
    if not soonest or soonest["month"] == "never":
        return None
    year, month = int(soonest["month"][:4]), int(soonest["month"][5:7])
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    if last > today + timedelta(days=EXPIRY_SOON_DAYS):
        return None
    value, fields = soonest["points"], {"day": formats.day(last)}
    if isinstance(value, str):  # cashback: money
        fields["amount"] = formats.money(Decimal(value), programme.currency)
        if last < today:  # lapsed by the rules; the nightly job has not taken them yet
            return _("{amount} of cashback lapsed on {day}").format(**fields)
        return _("{amount} of cashback lapses on {day}").format(**fields)
    fields["count"] = formats.number(value)
    if last < today:
        return ngettext("{count} point lapsed on {day}", "{count} points lapsed on {day}", value).format(
            **fields
        )
    return ngettext("{count} point lapses on {day}", "{count} points lapse on {day}", value).format(**fields)


def _search(session: counter.Till, text: str, screen: Screen) -> None:
    found = session.search(text, SEARCH_LIMIT)
    if not found:
        screen.error(_("no member matches {text!r}").format(text=text))
        return
    if len(found) == 1:
        member = session.look_up(found[0]["card"])
        screen.member(_member_lines(session.reading(), member))
        return
    programme = session.reading().programme()
    for row in found[:SEARCH_LIMIT]:
        balance = row["balance"] if isinstance(row["balance"], int) else 0
        screen.say(
            "  ".join(
                [
                    cards.display(row["card"]),
                    row["name"] or _("(name erased)"),
                    row["phone"] or "-",
                    balances.amount(programme, balance),
                ]
            )
        )
    if len(found) > SEARCH_LIMIT:
        screen.note(_("... and more: type more of the name"))


def _after_purchase(shop, done) -> list[str]:
    from .points import _bill_line, _purchase_line

    programme = shop.programme()
    at = clock.from_iso(done.entry.at)
    waiting = pending.held(done.member["points"]["lots"], projection.day_of(at, programme.tz))
    lines = [_purchase_line(programme, done, waiting)]
    if not done.bill.plain:
        lines.append("  " + _bill_line(programme, done.bill))
    change = done.tier_change
    if change and change[0]:
        lines.append(_("New tier: {tier} (was {previous})").format(tier=change[1], previous=change[0]))
    elif change:
        lines.append(_("New tier: {tier} (had none)").format(tier=change[1]))
    return lines


def _after_redeem(shop, done) -> list[str]:

    programme = shop.programme()
    spent = -done.entry.points
    if done.entry.reward:
        text = ngettext(
            "{card}: {reward} for {count} point; balance {balance}",
            "{card}: {reward} for {count} points; balance {balance}",
            spent,
        ).format(
            card=done.entry.card,
            reward=done.entry.reward,
            count=formats.number(spent),
            balance=formats.number(done.balance),
        )
    else:
        from .points import spent_line

        text = spent_line(done, programme)
    return [text]


def _after_refund(shop, result) -> list[str]:
    from .points import _refunded

    paid_with = any(e.kind == "earn" and e.paid_points for e in shop.ledger.by_receipt(result.receipt))
    return [_refunded(result, shop.programme(), paid_with)]

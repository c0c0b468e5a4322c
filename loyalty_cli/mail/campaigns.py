"""The shop's regular campaigns: monthly statements, expiry reminders and birthday greetings.

Each is a `Campaign` under an id that says which mailing it is, so that the outbox sends
each member one letter per mailing however often the command runs:

- `statements-YYYY-MM`: a member's statement of the month, in the letter and attached as a
  page to print; for members with activity or points in the month.
- `expiring-YYYY-MM`: a reminder to members with points lapsing at the end of that month,
  once the end of the month is within the days asked for; a daily cron line mails each
  member once per month their points lapse in.
- `birthdays-YYYY`: a greeting to members whose birthday it is (once a year each); a
  greeting that could not go out (the server refused it, was down, or no run was made that
  day) is sent by the runs of the next `LATE_DAYS` days of the same year.

Texts are the programme's own, translated; a letter is written in the member's language.
Offers, written by the shop, are in offers.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from loyalty_cli import balances, bonuses, formats, language, lots
from loyalty_cli.language import N_, _
from loyalty_cli.mail import recipients, sending, writing
from loyalty_cli.mail.letters import Campaign, Letter
from loyalty_cli.mail.templates import Template
from loyalty_cli.reporting import statements as statement_core
from loyalty_cli.storage.unit_of_work import Shop

STATEMENT_SUBJECT = N_("{shop}: your loyalty statement for {month}")
STATEMENT_BODY = N_(
    "Dear {name},\n\n"
    "Here is your loyalty statement for {month}. Your balance at the end of the month: {balance}.\n\n"
    "The statement is below, and attached as a page to print."
)
EXPIRING_SUBJECT = N_("{shop}: points on your card expire on {expiry_date}")
EXPIRING_BODY = N_(
    "Dear {name},\n\n"
    "Part of your balance at {shop} is about to expire.\n\n"
    "Expiring on {expiry_date}: {expiring}\n"
    "Your balance: {balance}\n"
    "Card: {card}\n\n"
    "Use them at your next visit before they expire."
)
BIRTHDAY_SUBJECT = N_("Happy birthday, {first_name}!")
BIRTHDAY_BODY = N_("Dear {name},\n\nEveryone at {shop} wishes you a happy birthday!")
BIRTHDAY_PRESENT = N_("As a present we have added {bonus} to your card {card}. Your balance: {balance}.")
LATE_DAYS = 3  # a greeting not sent on the birthday is still sent this many days later


def statements(
    month: str,
    *,
    render_text: Callable[[statement_core.Statement], str],
    render_html: Callable[[statement_core.Statement], str],
    day: date,
) -> Campaign:
    """Statements of `month` (YYYY-MM) to every member with activity or points in it.

    `render_text` and `render_html` write a statement in the active language (the
    command layer's renderers); `day` is today, for the values of the letter.
    """
    first = statement_core.month_period(month)[0]
    month = first.strftime("%Y-%m")
    skipped: dict[str, str] = {}

    def letters(shop: Shop) -> Iterator[Letter]:
        programme = shop.programme()
        for statement in statement_core.for_month(shop, month):
            member = shop.members.get(statement.card)
            if _left_out(member, skipped):
                continue
            with language.speaking(statement.language):
                values = recipients.values(programme, member, day)
                values["month"] = formats.month(first.year, first.month)
                values["balance"] = statement.amount(statement.closing_balance)
                allowed = (*recipients.MEMBER_PLACEHOLDERS, "month")
                page = render_html(statement).encode("utf-8")
                yield writing.letter(
                    member,
                    shop=programme.name,
                    subject=Template.parse(_(STATEMENT_SUBJECT), allowed),
                    body=Template.parse(_(STATEMENT_BODY), allowed),
                    values=values,
                    appendix=render_text(statement),
                    attachments=((f"statement-{month}-{statement.card}.html", "text/html", page),),
                )

    return Campaign(f"statements-{month}", letters, skipped)


def expiring(within: int, day: date) -> Campaign:
    """Reminders to members with points lapsing at the end of `day`'s month, when that end
    is at most `within` days after `day`; none otherwise (the run is early)."""
    month = day.strftime("%Y-%m")
    skipped: dict[str, str] = {}
    lapse = recipients.last_day(month)

    def letters(shop: Shop) -> Iterator[Letter]:
        if reminders_start(within, day) is not None:
            return
        programme = shop.programme()
        for stored in list(shop.members.all()):
            if _lapsing(stored, month, day) <= 0:
                continue
            member = shop.members.get(stored["card"])
            if _left_out(member, skipped):
                continue
            with language.speaking(statement_core.language_of(programme, member)):
                values = recipients.values(programme, member, day)
                values["expiring"] = balances.amount(programme, _lapsing(member, month, day))
                values["expiry_date"] = formats.day(lapse)
                yield writing.letter(
                    member,
                    shop=programme.name,
                    subject=Template.parse(_(EXPIRING_SUBJECT), recipients.MEMBER_PLACEHOLDERS),
                    body=Template.parse(_(EXPIRING_BODY), recipients.MEMBER_PLACEHOLDERS),
                    values=values,
                )

    return Campaign(f"expiring-{month}", letters, skipped)


def reminders_start(within: int, day: date) -> date | None:
    """The first day `expiring(within, ...)` reminds of the points lapsing at the end of
    `day`'s month, when that day is still to come (a run on `day` sends nothing); None when
    the reminders are due on `day`."""
    start = recipients.last_day(day.strftime("%Y-%m")) - timedelta(days=within)
    return start if start > day else None


def birthdays(day: date) -> Campaign:
    """Greetings to active members whose birthday is `day` (29 February counts on the 28th
    in other years); the letter names the birthday bonus when the member has had it.

    Members whose birthday was in the `LATE_DAYS` days before `day`, in the same year, and
    whose greeting was not sent get it too: a greeting the server refused or could not take,
    or one due on a day without a run, goes late rather than never. Those already greeted,
    or left out (no consent ...), are not mentioned again.
    """
    campaign_id = f"birthdays-{day.year}"
    earlier = [
        day - timedelta(days=back)
        for back in range(1, LATE_DAYS + 1)
        if (day - timedelta(days=back)).year == day.year  # last year's greetings are another campaign
    ]
    skipped: dict[str, str] = {}

    def letters(shop: Shop) -> Iterator[Letter]:
        programme = shop.programme()
        bonus = programme.bonus("birthday")
        records = shop.outbox.of(campaign_id)
        for stored in list(shop.members.all()):
            birthday = stored.get("birthday")
            if bonuses.born_on(birthday, day):
                member = shop.members.get(stored["card"])
                if _left_out(member, skipped):
                    continue
            elif any(bonuses.born_on(birthday, d) for d in earlier) and not _greeted(shop, records, stored):
                member = shop.members.get(stored["card"])
                if recipients.why_not(member) is not None:
                    continue  # said on the birthday itself
            else:
                continue
            with language.speaking(statement_core.language_of(programme, member)):
                values = recipients.values(programme, member, day)
                values["bonus"] = balances.amount(programme, bonus)
                body = _(BIRTHDAY_BODY)
                if bonus > 0 and member.get("birthday_bonus_year", 0) >= day.year:
                    body += "\n\n" + _(BIRTHDAY_PRESENT)
                allowed = (*recipients.MEMBER_PLACEHOLDERS, "bonus")
                yield writing.letter(
                    member,
                    shop=programme.name,
                    subject=Template.parse(_(BIRTHDAY_SUBJECT), allowed),
                    body=Template.parse(body, allowed),
                    values=values,
                )

    return Campaign(campaign_id, letters, skipped)


def _greeted(shop: Shop, records: dict[str, dict], member: dict) -> bool:
    """Whether the birthday campaign's outbox `records` hold a letter sent to `member`, under
    any card they have held (a card replaced since the greeting went)."""
    return sending.state_of(shop, records, member["card"]) == sending.SENT


def _left_out(member: dict, skipped: dict[str, str]) -> bool:
    """Whether `member` gets no letter; if so, noted in `skipped` with why."""
    reason = recipients.why_not(member)
    if reason is not None:
        skipped[member["card"]] = reason
    return reason is not None


def _lapsing(member: dict, month: str, day: date) -> int:
    """The points (or cents) of `member` that lapse at the end of `month` or before, as of `day`."""
    held = balances.shown_lots(member["points"]["lots"], day.isoformat())
    return sum(
        points
        for key, points in held.items()
        if points > 0 and key not in (lots.DEBT, lots.NEVER) and not lots.is_pending(key) and key <= month
    )

"""`mail`: letters to members by e-mail: a test message, statements, expiry reminders,
birthday greetings and the shop's own offers.

Each campaign command builds its campaign (the letters, checked before anything is sent)
and hands it to the runner (mail_run.py), which sends each member's letter once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import click

from loyalty_cli import formats
from loyalty_cli.errors import ExitStatus, InvalidInput, Refused
from loyalty_cli.language import _, ngettext

from .completion import complete_tier
from .context import DAY, Env, json_option, pass_env
from .mail_run import campaign_options, run_campaign, send_test
from .render import note, show_error
from .translated import Command, Group


@click.group(cls=Group)
def mail():
    """Mail to members: statements, expiry reminders, birthday greetings, offers.

    Only members with consent and an e-mail get letters; each member gets a campaign's
    letter once, however often it runs. Set up the server first (docs/mail.md).

    \b
    Example:
      loyalty program set mail.server smtp://info@smtp.example.lv:587
      loyalty program set mail.from "Maiznīca Rīts <info@example.lv>"
      LOYALTY_SMTP_PASSWORD=... loyalty mail test me@example.lv
    """


@mail.command("test", cls=Command)
@click.argument("address")
@json_option
@pass_env
def test(env: Env, address, as_json):
    """Send one test message to ADDRESS through the mail server set up.

    \b
    Example:
      LOYALTY_SMTP_PASSWORD=... loyalty mail test me@example.lv
    """
    send_test(env, address, as_json=as_json)


@mail.command("statements", cls=Command)
@click.option("--month", required=True, metavar="YYYY-MM", help="The month the statements cover.")
@campaign_options
@pass_env
def statements(env: Env, month, **options):
    """Mail each member their statement of a month.

    For members with entries or points in the month: the statement in the letter, and
    attached as a page to print, in the member's language. A month is mailed once it is
    over (--dry-run previews one that is not).

    \b
    Example:
      loyalty mail statements --month 2026-10 --dry-run letters/
      loyalty mail statements --month 2026-10 --per-minute 30
    """
    from loyalty_cli.mail import campaigns
    from loyalty_cli.reporting.statements import month_period

    from .statement_html import page
    from .statements import text

    today = _today(env, None, options)
    if month_period(month)[1] >= today and options.get("dry_run") is None:
        # Mailed once per month and member: a month not over yet would be mailed half done.
        raise Refused(
            _("{month} is not over yet: its statements are mailed from the day after it ends").format(
                month=month.strip()
            )
        )
    campaign = campaigns.statements(month, render_text=text, render_html=page, day=today)
    run_campaign(env, campaign, **options)


@mail.command("expiring", cls=Command)
@click.option(
    "--within",
    required=True,
    type=click.IntRange(0, 366),
    metavar="DAYS",
    help="Remind when this month's points lapse within DAYS days (at the end of the month).",
)
@click.option("--as-of", type=DAY, help="The day the reminders are for (default today).")
@campaign_options
@pass_env
def expiring(env: Env, within, as_of, **options):
    """Remind members whose points lapse at the end of this month.

    Nothing is sent until the month's end is at most DAYS days away; then each member
    with points lapsing gets one reminder that month, however often this runs, so a daily
    crontab line is enough:

    \b
      15 9 * * * loyalty mail expiring --within 14

    \b
    Example:
      loyalty mail expiring --within 14 --dry-run letters/
    """
    from loyalty_cli.mail import campaigns

    day = _today(env, as_of, options)
    start = campaigns.reminders_start(within, day)
    if start is not None and not options.get("as_json"):
        note(_early(day, start + timedelta(days=within), start))
    run_campaign(env, campaigns.expiring(within, day), **options)


def _early(day: date, lapse: date, start: date) -> str:
    """Why an expiry run sends nothing yet: when the points lapse, and when reminders start."""
    away = (lapse - day).days
    return ngettext(
        "Nothing to send yet: points lapse at the end of the month ({lapse}), {count} day away;"
        " reminders start {start}.",
        "Nothing to send yet: points lapse at the end of the month ({lapse}), {count} days away;"
        " reminders start {start}.",
        away,
    ).format(lapse=formats.day(lapse), count=formats.number(away), start=formats.day(start))


@mail.command("birthdays", cls=Command)
@click.option("--as-of", type=DAY, help="Greet the members born on this day (default today).")
@campaign_options
@pass_env
def birthdays(env: Env, as_of, **options):
    """Mail a birthday greeting to the members whose birthday it is.

    Once a year each; a member who had the birthday bonus reads about it. `maintain`
    does this too when mail.birthdays is true.

    \b
    Example:
      loyalty mail birthdays
      loyalty mail birthdays --as-of 2026-12-24 --dry-run letters/
    """
    from loyalty_cli.mail import campaigns

    run_campaign(env, campaigns.birthdays(_today(env, as_of, options)), **options)


@mail.command("offer", cls=Command)
@click.option(
    "--segment",
    metavar="SEGMENT",
    help="Mail the members of this RFM segment (see `loyalty report segments`).",
)
@click.option("--tier", metavar="TIER", shell_complete=complete_tier, help="Mail the members of this tier.")
@click.option(
    "--subject", metavar="TEXT", help="The letter's subject (else the template's first line, Subject: ...)."
)
@click.option(
    "--template",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The letter: UTF-8 text with {name}, {balance} ... (FILE.lv.txt, FILE.ru.txt for those languages).",
)
@click.option(
    "--bonus-points",
    type=int,
    metavar="N",
    help="Credit N points to each member mailed, when their letter is sent.",
)
@click.option(
    "--valid-until",
    type=DAY,
    help="With --bonus-points: the points can be spent to the end of this day's month"
    " (2026-12-15: to 2026-12-31, the day {valid_until} shows).",
)
@click.option(
    "--campaign", "name", metavar="NAME", help="The offer's name (default: the template's file name)."
)
@campaign_options
@pass_env
def offer(env: Env, segment, tier, subject, template, bonus_points, valid_until, name, **options):
    """Mail the shop's own offer to an RFM segment or a tier, optionally with bonus points.

    The template is plain text; placeholders {name}, {first_name}, {card}, {balance},
    {expiring}, {expiry_date}, {tier} and {shop} (and {bonus}, {valid_until} with bonus
    points) are filled per member, and an unknown one is refused before anything is sent.
    Each member gets the offer NAME once; bonus points are an `offer` entry that lapses at
    the end of the month of --valid-until (points lapse at month ends), and {valid_until}
    writes that last day.

    \b
    Example:
      loyalty mail offer --segment "at risk" --template comeback.txt --subject "We miss you, {first_name}"
      loyalty mail offer --tier Gold --template gold.txt --bonus-points 200 --valid-until 2026-12-31
    """
    from loyalty_cli.mail import offers

    programme = _programme(env)
    today = env.clock.today(programme.tz)
    campaign = offers.offer(
        programme,
        template=template,
        subject=subject,
        name=name,
        segment=segment,
        tier=tier,
        bonus=bonus_points,
        valid_until=valid_until,
        day=today,
        operator=env.operator,
    )
    run_campaign(env, campaign, **options)


def _programme(env: Env):
    """The programme's settings, read without keeping the shop's snapshot open (a campaign
    may take hours: the runner reads the shop itself)."""
    from loyalty_cli.mail.sending import release

    reader = env.store().read()
    programme = reader.programme()
    release(reader)
    return programme


def _today(env: Env, as_of: date | None, options: dict) -> date:
    """The shop's today, or --as-of: an earlier day, or a later one only in a dry run."""
    today = env.clock.today(_programme(env).tz)
    if as_of is not None and as_of > today and options.get("dry_run") is None:
        raise InvalidInput(
            _("--as-of {day} is after today; preview it with --dry-run DIR").format(day=as_of.isoformat())
        )
    return as_of or today


@dataclass
class Greetings:
    """What `maintain` did about the day's birthday mail: the run, or why none was made."""

    run: object | None = None  # sending.Run
    problem: str | None = None  # why nothing was mailed (no mail server, no password ...)
    status: int = 0

    def as_json(self) -> dict:
        """The `mail_birthdays` part of maintain's --json."""
        if self.run is None:
            return {"sent": 0, "problem": self.problem}
        return {**self.run.as_json(), "problem": self.problem}

    def finish(self, as_json: bool) -> None:
        """Tell people what was mailed (on stderr, after maintain's line); exit 1 or 3 on trouble."""
        if not as_json:
            if self.run is not None:
                sent, failed = len(self.run.sent), len(self.run.failed)
                note(
                    _("Birthday mail, sent: {sent}; failed: {failed}.").format(
                        sent=formats.number(sent), failed=formats.number(failed)
                    )
                )
            if self.problem:
                show_error(_("Error: {message}").format(message=self.problem))
        if self.status:
            click.get_current_context().exit(self.status)


def greet_birthdays(env: Env, store, programme, day: date) -> Greetings | None:
    """The birthday greetings of `day`, mailed for `maintain` once its jobs are written (so
    a member reads about the birthday bonus they just got). None when the mail server is not
    set up; a problem with it is reported, never undoing the jobs done."""
    from loyalty_cli.errors import LoyaltyError
    from loyalty_cli.mail import campaigns, sending, settings

    if not programme.settings.get("mail.server") or not programme.settings.get("mail.from"):
        return None
    try:
        mail = settings.mail_settings(programme.settings)
        run = sending.send_campaign(store, campaigns.birthdays(day), mail, env.clock)
    except LoyaltyError as error:
        return Greetings(problem=str(error), status=int(error.status))
    if run.stopped is not None:
        reason = _("{reason}; the letters not sent wait for the next run").format(reason=run.stopped)
        return Greetings(run, reason, int(ExitStatus.DATA))
    return Greetings(run, None, int(ExitStatus.REFUSED) if run.failed else 0)

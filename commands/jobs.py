"""The nightly jobs: `expire`, `birthdays`, `tiers review` and `maintain`, which runs them all."""

from __future__ import annotations

import click

from loyalty_cli import formats, jobs
from loyalty_cli.language import _, ngettext

from .context import DAY, Env, json_option, pass_env
from .render import emit_json, printable
from .translated import Command, Group


def job_options(function):
    """--as-of, --dry-run and --json, the same on every job."""
    function = json_option(function)
    function = click.option("--dry-run", is_flag=True, help="Show what would be done; write nothing.")(
        function
    )
    return click.option(
        "--as-of", type=DAY, help="Run as of this day (default today); a later day needs --dry-run."
    )(function)


@click.command(cls=Command)
@job_options
@pass_env
def maintain(env: Env, as_of, dry_run, as_json):
    """Run every due nightly job: expiry, birthdays, tier review, scheduled draws.

    Membership plans whose last day has passed are ended (cleared from the members).
    With mail.birthdays true (and the mail server set up), the day's birthday greetings
    are mailed too, as `loyalty mail birthdays` does; a dry run mails nothing.

    Every day since the last run is done in order, so after missed nights one run catches
    up and writes the same entries the nightly runs would have. Run again for a day that
    is done, it changes nothing. One crontab line is enough:

    \b
      5 0 * * * loyalty maintain

    \b
    Example:
      loyalty maintain --json
      loyalty maintain --as-of 2026-12-01 --dry-run
    """
    store = env.store()
    with store.transaction(dry_run=dry_run) as shop:
        programme = shop.programme()
        day = jobs.job_day(as_of, env.clock, programme.tz, dry_run=dry_run)
        result = jobs.maintain(shop, day, operator=env.operator, now=env.clock)
    greetings = None
    if programme.mail_birthdays and not dry_run:  # a dry run sends nothing
        from .mail import greet_birthdays

        greetings = greet_birthdays(env, store, programme, day)
    if as_json:
        mailed = {"mail_birthdays": greetings.as_json()} if greetings else {}
        emit_json({**result.to_json(), "dry_run": dry_run, **mailed})
    elif not result.days:
        click.echo(_("Nothing to do: the jobs are done through {day}.").format(day=formats.day(day)))
    else:
        click.echo(_maintained(result, day, dry_run))
    if greetings:
        greetings.finish(as_json)


@click.command(cls=Command)
@job_options
@pass_env
def expire(env: Env, as_of, dry_run, as_json):
    """Expire points whose lots have lapsed by the end of the day before --as-of.

    Points earned in month M lapse at the end of month M + expiry.months. One `expire`
    entry per member takes what is left of their lapsed lots. A second run the same day
    finds nothing; a run after missed days expires everything that lapsed meanwhile.

    \b
    Example:
      loyalty expire --as-of 2026-02-01 --dry-run --json
    """
    from loyalty_cli import expiry

    with env.store().transaction(dry_run=dry_run) as shop:
        day = jobs.job_day(as_of, env.clock, shop.programme().tz, dry_run=dry_run)
        result = expiry.expire(shop, day, operator=env.operator)
    if as_json:
        emit_json({**result.to_json(), "dry_run": dry_run})
    else:
        points, members = result.expired_points, result.members
        if dry_run:
            expired = ngettext("Would expire {count} point", "Would expire {count} points", points)
        else:
            expired = ngettext("Expired {count} point", "Expired {count} points", points)
        click.echo(
            _("{expired} {members} as of {day}.").format(
                expired=expired.format(count=formats.number(points)),
                members=ngettext("of {count} member", "of {count} members", members).format(
                    count=formats.number(members)
                ),
                day=formats.day(day),
            )
        )


@click.command(cls=Command)
@job_options
@pass_env
def birthdays(env: Env, as_of, dry_run, as_json):
    """Give the birthday bonus to active members whose birthday it is.

    Once per member per year; 29 February counts on 28 February in other years. Days
    missed since the last run are caught up, each bonus dated at the first moment of the
    birthday the member was enrolled and active; a member enrolled or unblocked on their
    birthday after the day's run gets it at that moment.

    \b
    Example:
      loyalty birthdays --json
    """
    with env.store().transaction(dry_run=dry_run) as shop:
        day = jobs.job_day(as_of, env.clock, shop.programme().tz, dry_run=dry_run)
        result = jobs.birthdays(shop, day, operator=env.operator)
    if as_json:
        emit_json(
            {
                "as_of": day.isoformat(),
                "members": result.birthday_bonuses,
                "points": result.birthday_points,
                "dry_run": dry_run,
            }
        )
    else:
        sentence = _("Would give {bonuses}, {points}.") if dry_run else _("Gave {bonuses}, {points}.")
        click.echo(
            sentence.format(
                bonuses=_birthday_bonuses(result.birthday_bonuses), points=_points(result.birthday_points)
            )
        )


@click.group("tiers", cls=Group)
def tiers_group():
    """Tiers: review who holds which tier."""


@tiers_group.command("review")
@job_options
@pass_env
def tiers_review(env: Env, as_of, dry_run, as_json):
    """Move every member to the tier their spend over the last 12 months earns.

    The 12 months of a day are the days from the same date a year earlier to that day.
    Members move up at once when they buy (and down when a refund takes them below); this
    review (run on the 1st by `maintain`) moves down those whose old spend aged out.

    \b
    Example:
      loyalty tiers review --as-of 2026-12-01 --dry-run
    """
    from loyalty_cli import tiers

    with env.store().transaction(dry_run=dry_run) as shop:
        day = jobs.job_day(as_of, env.clock, shop.programme().tz, dry_run=dry_run)
        changes = tiers.review(shop, day)
    if as_json:
        emit_json({"as_of": day.isoformat(), "changes": [c.to_json() for c in changes], "dry_run": dry_run})
        return
    for change in changes:
        click.echo(printable(f"{change.card}: {change.old or '-'} -> {change.new}"))
    if dry_run:
        changed = ngettext(
            "{count} member would change tier.", "{count} members would change tier.", len(changes)
        )
    else:
        changed = ngettext("{count} member changed tier.", "{count} members changed tier.", len(changes))
    click.echo(changed.format(count=formats.number(len(changes))), err=True)


def _maintained(result: jobs.JobsResult, day, dry_run: bool) -> str:
    """One line for people: the days done and what each job did over them."""
    days = result.days
    if dry_run:
        head = ngettext(
            "Would do {count} day, from {first} to {last}",
            "Would do {count} days, from {first} to {last}",
            days,
        )
    else:
        head = ngettext(
            "Done {count} day, from {first} to {last}", "Done {count} days, from {first} to {last}", days
        )
    points, members = result.expired_points, result.expired_members
    expired = ngettext("{count} point expired", "{count} points expired", points).format(
        count=formats.number(points)
    )
    of_members = ngettext("({count} member)", "({count} members)", members).format(
        count=formats.number(members)
    )
    changes, draws = len(result.tier_changes), len(result.draws)
    parts = [
        f"{expired} {of_members}",
        _birthday_bonuses(result.birthday_bonuses),
        ngettext("{count} tier change", "{count} tier changes", changes).format(
            count=formats.number(changes)
        ),
        ngettext("{count} draw", "{count} draws", draws).format(count=formats.number(draws)),
    ]
    if result.confirmed_points:  # only in a programme with pending points
        parts.insert(
            0,
            ngettext(
                "{count} pending point confirmed", "{count} pending points confirmed", result.confirmed_points
            ).format(count=formats.number(result.confirmed_points)),
        )
    if result.memberships_ended:
        parts.append(
            ngettext(
                "{count} membership ended", "{count} memberships ended", result.memberships_ended
            ).format(count=formats.number(result.memberships_ended))
        )
    return _("{done}: {what}.").format(
        done=head.format(
            count=formats.number(days), first=formats.day(result.first_day), last=formats.day(day)
        ),
        what=", ".join(parts),
    )


def _birthday_bonuses(count: int) -> str:
    return ngettext("{count} birthday bonus", "{count} birthday bonuses", count).format(
        count=formats.number(count)
    )


def _points(count: int) -> str:
    return ngettext("{count} point", "{count} points", count).format(count=formats.number(count))

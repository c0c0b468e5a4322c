"""`nps record|import` and `report nps`: how likely members are to recommend the shop."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from loyalty_cli import clock, formats, language, surveys
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import N_, _

from .context import DAY, OUTPUT_FILE, Env, json_option, member_argument, output_options, pass_env
from .render import emit_csv, emit_json, emit_pairs, emit_table
from .translated import Command, Group

# An answer's category as people read it; JSON keeps the English word.
CATEGORY = {"promoters": "promoter", "passives": "passive", "detractors": "detractor"}
CATEGORY_NAMES = {"promoter": N_("promoter"), "passive": N_("passive"), "detractor": N_("detractor")}


class Score(click.ParamType):
    """An answer to "how likely are you to recommend us?": a whole number from 0 to 10."""

    name = "score"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return surveys.parse_score(value)
        except InvalidInput as error:
            self.fail(str(error), param, ctx)


@click.group(cls=Group)
def nps():
    """Net promoter score: members' answers to "how likely are you to recommend us?" (0-10).

    Answers of 9-10 are promoters, 7-8 passives, 0-6 detractors; `loyalty report nps`
    gives the score (% promoters - % detractors) by month, RFM segment or store.

    \b
    Example:
      loyalty nps record 29123456 9 --comment "Friendly staff"
      loyalty nps import survey.csv
      loyalty report nps --by month
    """


# "-1" is an answer to refuse with its reason, not an option Click has never heard of.
@nps.command("record", cls=Command, context_settings={"ignore_unknown_options": True})
@member_argument()
@click.argument("score", type=Score())
@click.option("--comment", metavar="TEXT", help="What the member said, in their words.")
@click.option("--at", "when", metavar="WHEN", help="When they answered (ISO 8601), if not now.")
@click.option("--store", help="Which shop of the business, if more than one.")
@json_option
@pass_env
def record(env: Env, member_ref, score, comment, when, store, as_json):
    """Record MEMBER's answer SCORE, a whole number from 0 to 10.

    MEMBER is a card number or a phone number. Any other SCORE (11, -1, 7.5) is refused
    with exit 2 and nothing is recorded; an unknown, closed or erased member with exit 1.
    A member's erasure removes the comments of their answers.

    \b
    Example:
      loyalty nps record 29123456 10
      loyalty nps record 123456789015 6 --comment "Queue too long" --store Centrs
      loyalty nps record 29123456 9 --at 2026-11-03T18:20
    """
    with env.store().transaction() as shop:
        at = clock.parse_at(when, env.clock, shop.programme().tz)
        done = surveys.record(
            shop, member_ref, score, at=at, operator=env.operator, comment=comment, store=store
        )
    from loyalty_cli.reporting import nps as core

    doc, member = done.doc, done.member
    kind = CATEGORY[core.category(doc["score"])]
    if as_json:
        emit_json(
            {
                "card": doc["card"],
                "name": member.get("name"),
                "score": doc["score"],
                "category": kind,
                "at": doc["at"],
                "comment": doc.get("comment"),
                "store": doc.get("store"),
            }
        )
        return
    click.echo(
        _("{name} ({card}): answer {score} recorded, a {category}").format(
            name=member.get("name") or _("(name erased)"),
            card=doc["card"],
            score=doc["score"],
            category=_(CATEGORY_NAMES[kind]),
        )
    )


@nps.command("import", cls=Command)
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--encoding", metavar="ENC", help="The file's encoding when it is not UTF-8, such as cp1257 or cp1251."
)
@click.option("--strict", is_flag=True, help="Import nothing when any row is rejected.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option(
    "--rejects",
    type=OUTPUT_FILE,
    help="Write the rows that were not imported, with the line and the reason, to this CSV file.",
)
@json_option
@pass_env
@click.pass_context
def import_answers(ctx, env: Env, path, encoding, strict, dry_run, rejects, as_json):
    """Import survey answers from FILE, a CSV file from a survey tool or a spreadsheet.

    Columns (header names in any case): card or phone (the member), score (also nps or
    rating: 0-10), and optionally comment, at (also date or timestamp: ISO 8601 or
    DD.MM.YYYY HH:MM, shop time), store and ref (also response id: the survey tool's id
    of the answer). The delimiter (comma, semicolon or tab) is recognised; a quoted
    comment may run over several lines.

    As the other imports: the valid rows are recorded and every bad row (an unknown
    member, a score that is not 0-10, a date in the future ...) is named with its line
    (and written to --rejects); the exit status is 1 when any row was rejected. With
    --strict a bad row records nothing. An answer already imported is skipped, by its ref
    or, without one, by its card, score, date and store, so importing the same file again,
    the fixed rejects, or a later export that repeats the earlier answers, never counts an
    answer twice.

    \b
    Example:
      loyalty nps import survey-november.csv --dry-run
      loyalty nps import survey-november.csv --rejects bad-answers.csv
      loyalty nps import survey-november.csv --encoding cp1257 --strict
    """
    from loyalty_cli import importing

    from .exchange import report_import

    sheet = surveys.read_sheet(path, encoding)
    written = not dry_run
    try:
        with env.store().transaction(dry_run=dry_run) as shop:
            result = surveys.import_answers(shop, sheet, now=env.clock, operator=env.operator)
            if rejects is not None:  # before the commit: no import without its rejects
                importing.write_rejects(rejects, sheet, result.rejected)
            if strict and result.rejected:
                raise _Rejected(result)
    except _Rejected as refused:
        result, written = refused.result, False
    report_import(result, dry_run=dry_run, strict=strict, written=written, rejects=rejects, as_json=as_json)
    if result.rejected:
        ctx.exit(1)


class _Rejected(Exception):
    """--strict: a row was rejected, so the transaction is abandoned."""

    def __init__(self, result: surveys.Imported):
        super().__init__("rows were rejected")
        self.result = result


FIGURES = (
    "count",
    "promoters",
    "passives",
    "detractors",
    "promoters_pct",
    "passives_pct",
    "detractors_pct",
    "score",
)
HEADERS = {
    "month": N_("Month"),
    "segment": N_("Segment"),
    "store": N_("Store"),
    "count": N_("Answers"),
    "promoters": N_("Promoters (9-10)"),
    "passives": N_("Passives (7-8)"),
    "detractors": N_("Detractors (0-6)"),
    "score": N_("NPS"),
}


@click.command("nps", cls=Command)
@click.option("--from", "first", type=DAY, help="First day.  [default: the first answer]")
@click.option("--to", "last", type=DAY, help="Last day.  [default: today]")
@click.option(
    "--by",
    type=click.Choice(["month", "segment", "store"]),
    help="One row per month, per RFM segment (as of the last day) or per store.",
)
@click.option(
    "--comments", is_flag=True, help="List the answers of the period that came with a comment instead."
)
@output_options
@pass_env
def nps_report(env: Env, first, last, by, comments, as_json, as_csv):
    """Net promoter score: promoters (9-10), passives (7-8), detractors (0-6) and the score.

    The score is % promoters - % detractors, from -100 to +100. Figures are computed
    exactly and rounded only where shown, to one decimal place (halves away from zero),
    so a shown score may differ by 0.1 from the difference of the shown percentages.
    Days are shop-local. --by segment puts each answer in its member's RFM segment as of
    the last day; closed and erased members have none ("(closed)"). --comments lists what
    members wrote, oldest first (an erased member's comments are gone).

    \b
    Example:
      loyalty report nps
      loyalty report nps --from 2026-01-01 --to 2026-06-30 --by month
      loyalty report nps --by segment --json
      loyalty report nps --by store --csv > nps.csv
      loyalty report nps --from 2026-11-01 --comments
    """
    from loyalty_cli.reporting import nps as core

    if comments and by:
        raise click.UsageError(_("give one of --by and --comments"))
    shop = env.store().read()
    tz = shop.programme().tz
    today = env.clock.today(tz)
    last = last or max(first or today, today)
    if first and first > last:
        raise click.UsageError(
            _("the period starts ({first}) after it ends ({last})").format(
                first=formats.day(first), last=formats.day(last)
            )
        )
    if comments:
        _comments(core.comments(shop, first, last), first, last, tz, as_json=as_json, as_csv=as_csv)
        return
    result = core.report(shop, first, last, by)
    rows = [{by: row.key, **row.to_json()} for row in result.rows]
    period = {"from": first.isoformat() if first else None, "to": last.isoformat()}
    if as_json:
        emit_json({**period, "by": by, "total": result.total.to_json(), "rows": rows})
        return
    if as_csv:
        if by:
            emit_csv([*rows, {by: "total", **result.total.to_json()}], [by, *FIGURES], numeric=FIGURES)
        else:
            emit_csv([{**period, **result.total.to_json()}], ["from", "to", *FIGURES], numeric=FIGURES)
        return
    if not result.total.count:
        click.echo(_no_answers(first, last))
        return
    if by is None:
        emit_pairs(
            [
                (_("Period"), _period(first, last)),
                (_("Answers"), formats.number(result.total.count)),
                *((_(HEADERS[name]), _share(result.total, name)) for name in core.CATEGORIES),
                (_("NPS"), _signed(core.shown(result.total.score))),
            ]
        )
        return
    people = [_row_for_people(row, by) for row in result.rows]
    people.append({**_row_for_people(result.total, None), by: _("Total")})
    columns = [(by, _(HEADERS[by]))] + [
        (key, _(HEADERS[key])) for key in ("count", *core.CATEGORIES, "score")
    ]
    emit_table(people, columns, title=_("NPS, {period}").format(period=_period(first, last)))


def _row_for_people(row, by: str | None) -> dict:
    """A row of the table: the group as the active language writes it, counts with their shares."""
    from loyalty_cli.reporting import nps as core
    from loyalty_cli.reporting import segments

    if by is None:
        key = row.key
    elif by == "month":
        key = formats.month_number(int(row.key[:4]), int(row.key[5:7]))
    elif by == "segment":
        key = _(segments.LABELS.get(row.key, row.key))
    else:
        key = _(row.key) if row.key == core.NO_STORE else row.key
    shown = {by: key, "count": formats.number(row.count), "score": _signed(core.shown(row.score))}
    shown.update({name: _share(row, name) for name in core.CATEGORIES})
    return shown


def _share(row, name: str) -> str:
    """ "5 (50.0%)": the count of a category and its share of the answers."""
    from loyalty_cli.reporting import nps as core

    share = core.shown(row.percent(name))
    if share is None:
        return formats.number(getattr(row, name))
    return f"{formats.number(getattr(row, name))} ({_percent(share)})"


def _percent(value: Decimal) -> str:
    digits = formats.decimal(value, 1)
    return digits + (formats.NBSP + "%" if language.active() == "ru" else "%")


def _signed(value: Decimal | None) -> str:
    """The score as people read it: +30.0, -12.5, 0.0; a dash without answers."""
    if value is None:
        return "-"
    return ("+" if value > 0 else "") + formats.decimal(value, 1)


def _period(first, last) -> str:
    if first is None:
        return _("up to {last}").format(last=formats.day(last))
    return _("{first} to {last}").format(first=formats.day(first), last=formats.day(last))


def _no_answers(first, last) -> str:
    if first is None:
        return _("No NPS answers up to {last}.").format(last=formats.day(last))
    return _("No NPS answers from {first} to {last}.").format(
        first=formats.day(first), last=formats.day(last)
    )


COMMENT_COLUMNS = ("at", "card", "score", "category", "store", "comment")
COMMENT_HEADERS = {
    "at": N_("When"),
    "card": N_("Card"),
    "score": N_("Score"),
    "category": N_("Category"),
    "store": N_("Store"),
    "comment": N_("Comment"),
}


def _comments(found: list[dict], first, last, tz, *, as_json: bool, as_csv: bool) -> None:
    """The answers with a comment: for scripts as stored, for people in shop time."""
    from loyalty_cli.reporting import nps as core

    rows = [
        {
            "at": doc["at"],
            "card": doc["card"],
            "score": doc["score"],
            "category": CATEGORY[core.category(doc["score"])],
            "store": doc.get("store"),
            "comment": doc["comment"],
        }
        for doc in found
    ]
    if as_json:
        emit_json({"from": first.isoformat() if first else None, "to": last.isoformat(), "comments": rows})
        return
    if as_csv:
        emit_csv(rows, list(COMMENT_COLUMNS), numeric=("score",))
        return
    people = [
        {
            **row,
            "at": formats.moment(clock.from_iso(row["at"]).astimezone(tz)),
            "category": _(CATEGORY_NAMES[row["category"]]),
        }
        for row in rows
    ]
    title = _("NPS comments, {period}").format(period=_period(first, last))
    emit_table(people, [(key, _(COMMENT_HEADERS[key])) for key in COMMENT_COLUMNS], title=title)

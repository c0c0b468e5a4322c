"""Personal offers: a letter the shop writes, to one RFM segment or one tier, with bonus points.

The shop's template (see templates.py) and subject are checked before anything is sent.
With bonus points, each member mailed is credited an `offer` entry when their letter is
recorded as sent (in the same transaction, so a letter never sent credits nothing and a
retry never credits twice: its receipt is "offer:NAME:CARD"). The points join a lot of
their own that lapses at the end of the month of the offer's last day (points lapse at
month ends, like every lot), whatever expiry.months says; the letter's `{valid_until}` says
that day (--valid-until 2026-12-15: 2026-12-31).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from loyalty_cli import balances, card_moves, clock, formats, language, lots, members, pending, points
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import _
from loyalty_cli.mail import recipients, templates, writing
from loyalty_cli.mail.letters import Campaign, Letter
from loyalty_cli.mail.templates import Template
from loyalty_cli.program import Programme
from loyalty_cli.reporting import statements as statement_core
from loyalty_cli.storage.unit_of_work import Shop

NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
LONGEST_NAME = 60
OFFER_PLACEHOLDERS = ("bonus", "valid_until")


@dataclass(frozen=True)
class Wording:
    """The offer's subject and body in one language."""

    subject: Template
    body: Template


def offer(
    programme: Programme,
    *,
    template: Path,
    subject: str | None = None,
    name: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
    bonus: int | None = None,
    valid_until: date | None = None,
    day: date,
    operator: str,
) -> Campaign:
    """The offer campaign `offer-NAME` (NAME: `name`, else the template file's name) to the
    members of `segment` (RFM, as of `day`) or of `tier`; every template and the subject
    are read and checked here, before anything is sent."""
    name = _name(name if name is not None else template.stem)
    segment, tier = _audience(programme, segment, tier)
    _check_bonus(programme, bonus, valid_until, day)
    allowed = recipients.MEMBER_PLACEHOLDERS + (OFFER_PLACEHOLDERS if bonus else ())
    wordings = _wordings(template, subject, allowed)
    # The letter tells the day the points really lapse: the end of the month of valid_until.
    spendable_until = recipients.last_day(valid_until.strftime("%Y-%m")) if bonus else None
    skipped: dict[str, str] = {}

    def letters(shop: Shop) -> Iterator[Letter]:
        shown = shop.programme()
        for member in _audience_members(shop, segment, tier, day):
            reason = recipients.why_not(member)
            if reason is not None:
                skipped[member["card"]] = reason
                continue
            code = statement_core.language_of(shown, member)
            if code not in wordings:  # the main template speaks the programme's language
                code = members.default_language(shown)
            wording = wordings.get(code, wordings[None])
            with language.speaking(code):
                values = recipients.values(shown, member, day)
                if bonus:
                    values["bonus"] = balances.amount(shown, bonus)
                    values["valid_until"] = formats.day(spendable_until)
                yield writing.letter(
                    member, shop=shown.name, subject=wording.subject, body=wording.body, values=values
                )

    def credit(shop: Shop, letter: Letter, now: clock.Clock) -> None:
        """The offer's bonus to the member the letter went to, once."""
        member = shop.members.get(letter.card)
        receipt = f"offer:{name}:{letter.card}"
        if member is None or member.get("merged_into"):
            return
        # Credited already, under this card or one the member held before (a replaced card).
        if any(
            shop.ledger.by_receipt(f"offer:{name}:{each}")
            for each in card_moves.history_cards(shop, member["card"])
        ):
            return
        pending.confirm(shop, member, now.now, operator=operator)
        points.record(
            shop,
            member,
            at=now.now,
            operator=operator,
            kind="offer",
            points=bonus,
            lots=lots.earn(member["points"]["lots"], bonus, valid_until.strftime("%Y-%m")),
            receipt=receipt,
            reason=name,
            until=valid_until.isoformat(),
        )

    return Campaign(f"offer-{name}", letters, skipped, credit if bonus else None)


def _name(text: str) -> str:
    name = str(text).strip().lower()
    if not NAME.match(name) or len(name) > LONGEST_NAME:
        raise InvalidInput(
            _(
                "{name!r} cannot name an offer: use up to {largest} small letters, digits, dots and "
                "dashes, starting with a letter or a digit (--campaign NAME)"
            ).format(name=text, largest=LONGEST_NAME)
        )
    return name


def _audience(programme: Programme, segment: str | None, tier: str | None) -> tuple[str | None, str | None]:
    """The segment or the tier the offer goes to, as stored; exactly one of them."""
    from loyalty_cli.reporting.segments import SEGMENTS

    if (segment is None) == (tier is None):
        raise InvalidInput(_("say who gets the offer: --segment SEGMENT or --tier TIER (one of them)"))
    if segment is not None:
        wanted = " ".join(segment.strip().lower().replace("-", " ").replace("_", " ").split())
        if wanted not in SEGMENTS:
            raise InvalidInput(
                _("{segment!r} is not a segment; choose one of {choices}").format(
                    segment=segment, choices=", ".join(SEGMENTS)
                )
            )
        return wanted, None
    names = {t.name.lower(): t.name for t in programme.tiers}
    if tier.strip().lower() not in names:
        raise Refused(
            _("{tier!r} is not a tier of this programme; its tiers: {tiers}").format(
                tier=tier, tiers=", ".join(names.values()) or "-"
            )
        )
    return None, names[tier.strip().lower()]


def _check_bonus(programme: Programme, bonus: int | None, valid_until: date | None, day: date) -> None:
    if (bonus is None) != (valid_until is None):
        raise InvalidInput(_("--bonus-points and --valid-until go together: give both, or neither"))
    if bonus is None:
        return
    if programme.cashback:
        raise Refused(_("this programme pays cashback: an offer cannot credit --bonus-points"))
    if not 0 < bonus <= points.MAX_POINTS:
        raise InvalidInput(
            _("--bonus-points must be a whole number from 1 to {largest}").format(
                largest=formats.number(points.MAX_POINTS)
            )
        )
    if valid_until < day:
        raise InvalidInput(
            _("--valid-until {day} has passed; the offer's points must be valid today or later").format(
                day=formats.day(valid_until)
            )
        )


def _wordings(template: Path, subject: str | None, allowed: tuple[str, ...]) -> dict[str | None, Wording]:
    """The offer's wording for everyone (key None: the main template, written in the
    programme's language) and for each language with a template of its own beside it
    (offer.lv.txt)."""
    found: dict[str | None, Wording] = {None: _wording(template, subject, allowed)}
    for code in language.LANGUAGES:
        path = templates.translation_of(template, code)
        if path.exists():
            found[code] = _wording(path, subject, allowed)
    return found


def _wording(path: Path, subject: str | None, allowed: tuple[str, ...]) -> Wording:
    text = templates.read(path)
    said, body = templates.split_subject(text)
    heading = subject if subject is not None else said
    if not heading or not heading.strip():
        raise InvalidInput(
            _("{path}: the offer needs a subject: give --subject, or a first line Subject: ...").format(
                path=path
            )
        )
    if not body.strip():
        raise InvalidInput(_("the template {path} is empty").format(path=path))
    where = str(path)
    told = "--subject" if subject is not None else f"{where} (Subject:)"
    return Wording(
        subject=Template.parse(" ".join(heading.split()), allowed, where=told),
        body=Template.parse(body, allowed, where=where),
    )


def _audience_members(shop: Shop, segment: str | None, tier: str | None, day: date) -> Iterator[dict]:
    """The members of the segment (as of `day`) or of the tier, in enrolment order."""
    if tier is not None:
        for member in list(shop.members.all()):
            if member.get("tier") == tier:
                yield member
        return
    from loyalty_cli.reporting.segments import score

    for row in score(shop, day):
        if row.segment == segment:
            member = shop.members.get(row.card)
            if member is not None:
                yield member

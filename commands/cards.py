"""`card print`: members' cards as a PDF, ten to an A4 sheet, to print and cut out."""

from __future__ import annotations

import click

from loyalty_cli import files, formats, printed_cards
from loyalty_cli.language import _, ngettext

from .context import DAY, OUTPUT_FILE, Env, json_option, member_argument, pass_env
from .render import emit_json, note
from .translated import Command, Group


@click.group(cls=Group)
def card():
    """Printed member cards."""


@card.command("print", cls=Command)
@member_argument("member_refs", "MEMBER...", nargs=-1)
@click.option("--new-since", "since", type=DAY, help="Every active member enrolled on this day or later.")
@click.option("--output", required=True, type=OUTPUT_FILE, help="The PDF file to write (A4).")
@json_option
@pass_env
def card_print(env: Env, member_refs, since, output, as_json):
    """Print member cards: a PDF of bank-card-sized cards, ten to an A4 page.

    Each card (85.6 x 54 mm) has the shop's name, the member's name, the card number and
    its Code 128 barcode, which a till's scanner reads as the card number; its words are in
    the member's language. Cut along the marks in the margins. Name members by card or
    phone, or take everyone enrolled since a day. Blocked and closed members get no card.

    \b
    Example:
      loyalty card print 29123456 123456789015 --output cards.pdf
      loyalty card print --new-since 2026-11-01 --output new-cards.pdf
    """
    if not member_refs and since is None:
        raise click.UsageError(_("name members or give --new-since"))
    if member_refs and since is not None:
        raise click.UsageError(_("name the members, or give --new-since, but not both"))
    shop = env.store().read()
    if since is not None:
        chosen = printed_cards.enrolled_since(shop, since, env.clock.today(shop.programme().tz))
    else:
        chosen = printed_cards.chosen(shop, member_refs)
    made = printed_cards.sheets(chosen, env.clock.now)
    with files.reporting(output):
        files.write_atomic(output, made.pdf)
    for number, letters in made.missing.items():
        note(
            _("card {card}: the font has no {letters}; they print as empty boxes").format(
                card=number, letters=", ".join(repr(letter) for letter in letters)
            )
        )
    if as_json:
        emit_json(
            {
                "output": str(output),
                "cards": [item.card for item in made.cards],
                "pages": made.pages,
                "missing_letters": made.missing,
            }
        )
        return
    count = len(made.cards)
    click.echo(
        ngettext(
            "Wrote {count} card to {path} ({pages})",
            "Wrote {count} cards to {path} ({pages})",
            count,
        ).format(count=formats.number(count), pages=_pages(made.pages), path=output)
    )


def _pages(count: int) -> str:
    """ "1 page" / "2 pages" in the active language."""
    return ngettext("{count} page", "{count} pages", count).format(count=formats.number(count))

"""A statement as one self-contained, printable HTML page: inline CSS, no network, no scripts.

The page is written in the active language (the member's: see commands/statements.py) and
says so in `<html lang="...">`, so that a browser hyphenates and reads it aloud rightly.
"""

from __future__ import annotations

from html import escape

from loyalty_cli import cards, formats, language
from loyalty_cli.language import _
from loyalty_cli.statements import Statement

from .statements import display_name, month_heading, shown_money, signed, tier_progress

STYLE = """
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
         max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
  h1 { font-size: 1.5rem; margin: 0; }
  h2 { font-size: 1rem; margin: 1.5rem 0 0.5rem; }
  .muted { color: #666; }
  dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; margin: 1rem 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
  th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #ddd; text-align: left;
           vertical-align: top; }
  th { border-bottom: 2px solid #444; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.keep { white-space: nowrap; }
  tr.total td { font-weight: 600; border-bottom: none; }
  .negative { color: #a00; }
  @media print {
    body { margin: 0; max-width: none; font-size: 10pt; }
    tr { page-break-inside: avoid; }
  }
"""


def page(statement: Statement) -> str:
    """The whole HTML document, in the active language."""
    start, end = formats.day(statement.start), formats.day(statement.end)
    title = _("{shop}: statement {start} to {end}").format(shop=statement.shop_name, start=start, end=end)
    rows = [_row(statement, line) for line in statement.lines]
    if not rows:
        rows = [f'<tr><td colspan="6" class="muted">{escape(_("No entries in this period."))}</td></tr>']
    expiring = "".join(
        f'<tr><td>{escape(month_heading(month))}</td><td class="num">{formats.number(points)}</td></tr>'
        for month, points in statement.expiring.items()
    )
    phone = f"<dt>{escape(_('Phone'))}</dt><dd>{escape(statement.phone)}</dd>" if statement.phone else ""
    spend = formats.money(statement.spend_12m, statement.currency)
    body = f"""<!DOCTYPE html>
<html lang="{language.active()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
  <h1>{escape(statement.shop_name)}</h1>
  <p class="muted">{escape(_("Loyalty statement, {start} to {end}").format(start=start, end=end))}</p>
</header>
<dl>
  <dt>{escape(_("Member"))}</dt><dd>{escape(display_name(statement))}</dd>
  <dt>{escape(_("Card"))}</dt><dd>{escape(cards.display(statement.card))}</dd>
  {phone}
  <dt>{escape(_("Tier"))}</dt><dd>{escape(tier_progress(statement))}</dd>
</dl>
<h2>{escape(_("Entries"))}</h2>
<table>
  <thead><tr><th>{escape(_("Date"))}</th><th>{escape(_("Description"))}</th><th>{escape(_("Receipt"))}</th>
    <th class="num">{escape(_("Amount"))}</th><th class="num">{escape(_("Points"))}</th>
    <th class="num">{escape(_("Balance"))}</th></tr></thead>
  <tbody>
    <tr class="total"><td colspan="5">{escape(_("Opening balance"))}</td>
      <td class="num">{formats.number(statement.opening_balance)}</td></tr>
    {"".join(rows)}
    <tr class="total"><td colspan="5">{escape(_("Closing balance"))}</td>
      <td class="num">{formats.number(statement.closing_balance)}</td></tr>
  </tbody>
</table>
<h2>{escape(_("Points expiring at the end of the month"))}</h2>
<table>
  <thead><tr><th>{escape(_("Month"))}</th><th class="num">{escape(_("Points"))}</th></tr></thead>
  <tbody>{expiring}</tbody>
</table>
<p class="muted">{escape(_("Spend over the last 12 months: {spend}.").format(spend=spend))}
{escape(_("Dates are in the shop's timezone."))}</p>
</body>
</html>
"""
    return body


def _row(statement: Statement, line) -> str:
    points_class = "num negative" if line.points < 0 else "num"
    return (
        f'<tr><td class="keep">{escape(line.local)}</td><td>{escape(line.described())}</td>'
        f'<td class="keep">{escape(line.receipt or "")}</td>'
        f'<td class="num">{escape(shown_money(statement, line.amount))}</td>'
        f'<td class="{points_class}">{signed(line.points)}</td>'
        f'<td class="num">{formats.number(line.balance)}</td></tr>'
    )

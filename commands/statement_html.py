"""A statement as one self-contained, printable HTML page: inline CSS, no network, no scripts.

The page is written in the active language (the member's: see commands/statements.py) and
says so in `<html lang="...">`, so that a browser hyphenates and reads it aloud rightly.
"""

from __future__ import annotations

from html import escape

from loyalty_cli import cards, formats, language
from loyalty_cli.language import N_, _
from loyalty_cli.reporting.statements import Statement

from .statements import (
    bill_lines,
    change,
    display_name,
    month_heading,
    pending_line,
    points_header,
    shown_money,
    tier_progress,
    units,
)

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
  tr.bill td { color: #555; font-size: 0.85rem; padding-top: 0; border-bottom: none; }
  tr.bill td.label { padding-left: 1.5rem; }
  tr.has-bill td { border-bottom: none; }
  tr.bill.last td { border-bottom: 1px solid #ddd; }
  p.pending { margin: 0.5rem 0; }
  .negative { color: #a00; }
  @media print {
    body { margin: 0; max-width: none; font-size: 10pt; }
    tr { page-break-inside: avoid; }
  }
"""


# The page's fixed texts, translated and escaped once per language (monthly statements
# write thousands of pages).
LABELS = {
    "no_entries": N_("No entries in this period."),
    "phone": N_("Phone"),
    "member": N_("Member"),
    "card": N_("Card"),
    "tier": N_("Tier"),
    "entries": N_("Entries"),
    "date": N_("Date"),
    "description": N_("Description"),
    "receipt": N_("Receipt"),
    "amount": N_("Amount"),
    "balance": N_("Balance"),
    "opening": N_("Opening balance"),
    "closing": N_("Closing balance"),
    "expiring": N_("Points expiring at the end of the month"),
    "expiring_cashback": N_("Cashback expiring at the end of the month"),
    "month": N_("Month"),
    "timezone": N_("Dates are in the shop's timezone."),
}
_labels: dict[str, dict[str, str]] = {}


def page(statement: Statement) -> str:
    """The whole HTML document, in the active language."""
    code = language.active()
    label = _labels.get(code)
    if label is None:
        label = _labels[code] = {key: escape(_(text)) for key, text in LABELS.items()}
    start, end = formats.day(statement.start), formats.day(statement.end)
    title = _("{shop}: statement {start} to {end}").format(shop=statement.shop_name, start=start, end=end)
    rows = [_row(statement, line) for line in statement.lines]
    if not rows:
        rows = [f'<tr><td colspan="6" class="muted">{label["no_entries"]}</td></tr>']
    expiring = "".join(
        f'<tr><td>{escape(month_heading(month))}</td><td class="num">{escape(units(statement, n))}</td></tr>'
        for month, n in statement.expiring.items()
    )
    points = escape(points_header(statement))
    expiring_title = label["expiring_cashback"] if statement.cashback else label["expiring"]
    waiting = f'<p class="pending">{escape(pending_line(statement))}</p>' if statement.pending else ""
    phone = f"<dt>{label['phone']}</dt><dd>{escape(statement.phone)}</dd>" if statement.phone else ""
    spend = formats.money(statement.spend_12m, statement.currency)
    body = f"""<!DOCTYPE html>
<html lang="{code}">
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
  <dt>{label["member"]}</dt><dd>{escape(display_name(statement))}</dd>
  <dt>{label["card"]}</dt><dd>{escape(cards.display(statement.card))}</dd>
  {phone}
  <dt>{label["tier"]}</dt><dd>{escape(tier_progress(statement))}</dd>
</dl>
<h2>{label["entries"]}</h2>
<table>
  <thead><tr><th>{label["date"]}</th><th>{label["description"]}</th><th>{label["receipt"]}</th>
    <th class="num">{label["amount"]}</th><th class="num">{points}</th>
    <th class="num">{label["balance"]}</th></tr></thead>
  <tbody>
    <tr class="total"><td colspan="5">{label["opening"]}</td>
      <td class="num">{escape(units(statement, statement.opening_balance))}</td></tr>
    {"".join(rows)}
    <tr class="total"><td colspan="5">{label["closing"]}</td>
      <td class="num">{escape(units(statement, statement.closing_balance))}</td></tr>
  </tbody>
</table>
{waiting}
<h2>{expiring_title}</h2>
<table>
  <thead><tr><th>{label["month"]}</th><th class="num">{points}</th></tr></thead>
  <tbody>{expiring}</tbody>
</table>
<p class="muted">{escape(_("Spend over the last 12 months: {spend}.").format(spend=spend))}
{label["timezone"]}</p>
</body>
</html>
"""
    return body


def _row(statement: Statement, line) -> str:
    """An entry's row, and beneath a purchase the lines of its bill."""
    points_class = "num negative" if line.points < 0 else "num"
    bill = bill_lines(statement, line.bill)
    opening = '<tr class="has-bill">' if bill else "<tr>"
    row = (
        f'{opening}<td class="keep">{escape(line.local)}</td>'
        f"<td>{escape(line.described(statement.figure))}</td>"
        f'<td class="keep">{escape(line.receipt or "")}</td>'
        f'<td class="num">{escape(shown_money(statement, line.amount))}</td>'
        f'<td class="{points_class}">{escape(change(statement, line))}</td>'
        f'<td class="num">{escape(units(statement, line.balance))}</td></tr>'
    )
    for number, (label, figure) in enumerate(bill, start=1):
        last = " last" if number == len(bill) else ""
        row += (
            f'<tr class="bill{last}"><td></td><td class="label" colspan="2">{escape(label)}</td>'
            f'<td class="num">{escape(figure)}</td><td></td><td></td></tr>'
        )
    return row

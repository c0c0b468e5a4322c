"""A statement as one self-contained, printable HTML page: inline CSS, no network, no scripts."""

from __future__ import annotations

from html import escape

from loyalty_cli import cards
from loyalty_cli.money import to_text
from loyalty_cli.statements import Statement

from .statements import display_name, money, tier_progress

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
    """The whole HTML document."""
    currency = escape(statement.currency)
    title = f"{statement.shop_name}: statement {statement.start} to {statement.end}"
    rows = [_row(line) for line in statement.lines]
    if not rows:
        rows = ['<tr><td colspan="6" class="muted">No entries in this period.</td></tr>']
    expiring = "".join(
        f'<tr><td>end of {escape(month)}</td><td class="num">{points}</td></tr>'
        for month, points in statement.expiring.items()
    )
    phone = f"<dt>Phone</dt><dd>{escape(statement.phone)}</dd>" if statement.phone else ""
    body = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
  <h1>{escape(statement.shop_name)}</h1>
  <p class="muted">Loyalty statement, {statement.start} to {statement.end}</p>
</header>
<dl>
  <dt>Member</dt><dd>{escape(display_name(statement))}</dd>
  <dt>Card</dt><dd>{escape(cards.display(statement.card))}</dd>
  {phone}
  <dt>Tier</dt><dd>{escape(tier_progress(statement).removeprefix("Tier: "))}</dd>
</dl>
<h2>Entries</h2>
<table>
  <thead><tr><th>Date</th><th>Description</th><th>Receipt</th>
    <th class="num">Amount {currency}</th><th class="num">Points</th>
    <th class="num">Balance</th></tr></thead>
  <tbody>
    <tr class="total"><td colspan="5">Opening balance</td>
      <td class="num">{statement.opening_balance}</td></tr>
    {"".join(rows)}
    <tr class="total"><td colspan="5">Closing balance</td>
      <td class="num">{statement.closing_balance}</td></tr>
  </tbody>
</table>
<h2>Points expiring</h2>
<table>
  <thead><tr><th>When</th><th class="num">Points</th></tr></thead>
  <tbody>{expiring}</tbody>
</table>
<p class="muted">Spend over the last 12 months: {to_text(statement.spend_12m)} {currency}.
Dates are in the shop's timezone.</p>
</body>
</html>
"""
    return body


def _row(line) -> str:
    points_class = "num negative" if line.points < 0 else "num"
    return (
        f'<tr><td class="keep">{line.local}</td><td>{escape(line.description)}</td>'
        f'<td class="keep">{escape(line.receipt or "")}</td>'
        f'<td class="num">{escape(money(line.amount) or "")}</td>'
        f'<td class="{points_class}">{line.points:+d}</td><td class="num">{line.balance}</td></tr>'
    )

"""Sending a campaign from the command line: its options, its output and its exit status.

`campaign_options` gives every `mail` campaign command the same flags; `run_campaign` runs
one campaign (or writes its dry run) and tells what happened; `send_test` is `mail test`.

Exit status: 0 when every letter due went (or there was nothing to send); 1 when the server
refused some letters for good (they are tried again by the next run); 3 when the run
stopped because the mail server could not take letters (unreachable, a refused login, a
temporary refusal): what was not sent waits for the next run. `--json` prints its document
in every case.
"""

from __future__ import annotations

from pathlib import Path

import click

from loyalty_cli.errors import ExitStatus
from loyalty_cli.language import _

from .context import Env, json_option
from .render import emit_json, emit_pairs, note, printable


def campaign_options(function):
    """--dry-run DIR, --limit N, --per-minute N, --resend-unsure and --json: the same on every campaign."""
    function = json_option(function)
    function = click.option(
        "--resend-unsure",
        is_flag=True,
        help="Send again the letters an interrupted run may or may not have sent.",
    )(function)
    function = click.option(
        "--per-minute",
        type=click.IntRange(min=1),
        metavar="N",
        help="Send at most N letters a minute (for providers with a rate limit).",
    )(function)
    function = click.option(
        "--limit",
        type=click.IntRange(min=1),
        metavar="N",
        help="Hand at most N letters to the mail server this run (refused ones count).",
    )(function)
    function = click.option(
        "--dry-run",
        type=click.Path(file_okay=False, path_type=Path),
        metavar="DIR",
        help="Write the letters as DIR/<card>.eml files; send nothing, record nothing.",
    )(function)
    return function


def run_campaign(
    env: Env,
    campaign,
    *,
    dry_run: Path | None = None,
    limit: int | None = None,
    per_minute: int | None = None,
    resend_unsure: bool = False,
    as_json: bool = False,
) -> None:
    """Send `campaign` (or write its dry run) and tell what became of each letter; exits 1 or 3
    as the module's docstring says."""
    from loyalty_cli.mail import previews, sending, settings

    store = env.store()
    reader = store.read()
    programme = reader.programme()
    sending.release(reader)  # a campaign may take hours: no snapshot of the shop stays open
    report = None if as_json else _tell
    if dry_run is not None:
        sender = _sender_for_dry_run(programme)
        run = previews.preview(
            store,
            campaign,
            sender,
            env.clock,
            dry_run,
            limit=limit,
            resend_unsure=resend_unsure,
            report=report,
        )
    else:
        mail = settings.mail_settings(programme.settings)
        if not as_json:
            note(_("Sending {campaign} through {server}").format(campaign=campaign.id, server=mail.server))
        pace = sending.Pace(limit=limit, per_minute=per_minute)
        run = sending.send_campaign(
            store, campaign, mail, env.clock, pace=pace, resend_unsure=resend_unsure, report=report
        )
    if as_json:
        emit_json({**run.as_json(), "dry_run": dry_run is not None})
    else:
        _summary(run, dry_run is not None)
    if run.stopped is not None:
        from .render import show_error

        message = _("{reason}; the letters not sent wait for the next run").format(reason=run.stopped)
        show_error(_("Error: {message}").format(message=message))
    status = _status(run)
    if status:
        click.get_current_context().exit(int(status))


def send_test(env: Env, address: str, *, as_json: bool = False) -> None:
    """`mail test ADDRESS`: one short message through the configured server; exit 2 if
    ADDRESS is empty or no e-mail address, 3 if the server cannot be reached or refuses the
    login, 1 if it refuses the address."""
    from loyalty_cli import members
    from loyalty_cli.errors import InvalidInput, Refused
    from loyalty_cli.mail import envelopes, sending, settings, transport
    from loyalty_cli.mail.letters import Letter

    address = members.clean_email(address)  # InvalidInput (exit 2) when it is no address
    if address is None:
        raise InvalidInput(_("give the address to send the test message to, such as me@example.lv"))
    reader = env.store().read()
    programme = reader.programme()
    sending.release(reader)
    mail = settings.mail_settings(programme.settings)
    subject, text = envelopes.trial_letter(programme.name)
    letter = Letter(card="test", to=address, subject=subject, text=text)
    message = envelopes.envelope(
        letter, campaign="test", sender=(mail.sender_name, mail.sender_address), at=env.clock.now
    )
    del message["Message-ID"]  # every test message is a new one
    from email.utils import make_msgid

    message["Message-ID"] = make_msgid(domain=mail.sender_address.rpartition("@")[2])
    with transport.Postbox(mail) as postbox:
        try:
            postbox.send(message, address)
        except transport.LetterRefused as refusal:
            raise Refused(
                _("the mail server refused {address}: {reason}").format(address=address, reason=refusal)
            ) from None
        encrypted = postbox.encrypted
    if as_json:
        emit_json({"sent": 1, "to": address, "server": str(mail.server), "encryption": encrypted})
        return
    click.echo(
        _("Sent a test message to {address} through {server} (encryption: {encryption})").format(
            address=address, server=mail.server, encryption=encrypted if encrypted != "none" else _("none")
        )
    )


def _tell(card: str, outcome: str, detail: str | None) -> None:
    """One line a letter, as it happens: "sent    2000000000013"; how many are due, on stderr."""
    if outcome == "due":
        from loyalty_cli import formats
        from loyalty_cli.language import ngettext

        count = int(detail or 0)
        note(
            ngettext("{count} letter to send", "{count} letters to send", count).format(
                count=formats.number(count)
            )
        )
        return
    label = _label(outcome)
    line = f"{label:<8} {card}"
    if detail and outcome in ("failed", "unsure", "stopped", "skipped"):
        line += f"  {printable(detail)}"
    if outcome == "stopped":
        return  # said once, at the end
    click.echo(line)


def _label(outcome: str) -> str:
    labels = {
        "sent": _("sent"),
        "failed": _("failed"),
        "unsure": _("unsure"),
        "skipped": _("skipped"),
        "written": _("written"),
        "stopped": _("stopped"),
    }
    return labels.get(outcome, outcome)


def _summary(run, dry: bool) -> None:
    from loyalty_cli import formats

    pairs = [(_("Campaign"), run.campaign)]
    if dry:
        pairs.append((_("Written"), formats.number(len(run.written))))
    else:
        pairs.append((_("Sent"), formats.number(len(run.sent))))
    pairs += [
        (_("Skipped"), formats.number(len(run.skipped))),
        (_("Failed"), formats.number(len(run.failed))),
        (_("Unsure"), formats.number(len(run.unsure))),
    ]
    if run.left:
        pairs.append((_("Left for the next run"), formats.number(run.left)))
    emit_pairs(pairs)
    if run.unsure:
        note(
            _(
                "Unsure letters were being sent when an earlier run was interrupted: they may have"
                " arrived. Check with the members, then send them with --resend-unsure if needed."
            )
        )


def _status(run) -> ExitStatus:
    if run.stopped is not None:
        return ExitStatus.DATA
    if run.failed:
        return ExitStatus.REFUSED
    return ExitStatus.OK


def _sender_for_dry_run(programme) -> tuple[str, str]:
    """The sender set in mail.from, or a stand-in while the shop has not set one yet."""
    from loyalty_cli.mail import settings

    stored = programme.settings.get("mail.from") or ""
    if stored:
        return settings.sender_of(stored)
    return programme.name, "shop@example.invalid"

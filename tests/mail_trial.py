"""A small campaign and a `trial-mail` command group, for the tests of the mail runner.

The campaign writes to every active member with consent and an e-mail, in card order; its
`on_sent` counts the letters in the programme's meta (so a test can see that it ran once per
letter, in the "sent" transaction). `trial-mail test ADDRESS` is `send_test`, `trial-mail
campaign ID` runs the campaign with the campaign options. Run as a script, it is the
`loyalty` command with this group added: a real process a test can kill.
"""

from __future__ import annotations

import click
from loyalty_cli.commands.context import pass_env
from loyalty_cli.commands.mail_run import campaign_options, run_campaign, send_test

from loyalty_cli.mail.letters import Campaign, Letter


def trial_campaign(
    campaign_id: str, *, count_in_meta: bool = False, watch_snapshots: bool = False
) -> Campaign:
    """Letters to members with consent and an e-mail; the others skipped with the reason."""

    def letters(shop):
        for member in sorted(shop.members.all(), key=lambda m: m["card"]):
            if not member.get("consent"):
                campaign.skipped[member["card"]] = "no consent"
            elif not member.get("email"):
                campaign.skipped[member["card"]] = "no e-mail"
            else:
                yield Letter(
                    card=member["card"],
                    to=member["email"],
                    subject=f"Hello {member['name']}",
                    text=f"Dear {member['name']},\nyour card is {member['card']}.\nReply STOP to stop.\n",
                    html=f"<p>Dear {member['name']}</p>",
                    attachments=(("statement.html", "text/html", b"<html>statement</html>"),),
                )

    def on_sent(shop, letter, clock):
        shop.meta["trial_letters"] = shop.meta.get("trial_letters", 0) + 1
        if watch_snapshots:  # PostgreSQL: other connections of this programme inside a transaction
            (row,) = shop.query(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = current_setting('application_name')"
                " AND state LIKE %s AND pid <> pg_backend_pid()",
                ("idle in transaction%",),
            )
            shop.meta["open_snapshots"] = [*shop.meta.get("open_snapshots", []), row[0]]
        shop.touch_meta()

    wanted = count_in_meta or watch_snapshots
    campaign = Campaign(id=campaign_id, letters=letters, on_sent=on_sent if wanted else None)
    return campaign


@click.group("trial-mail")
def trial_mail():
    """Mail commands for the tests."""


@trial_mail.command("test")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def trial_test(env, address, as_json):
    send_test(env, address, as_json=as_json)


@trial_mail.command("campaign")
@click.argument("campaign_id")
@click.option("--count-in-meta", is_flag=True)
@click.option("--watch-snapshots", is_flag=True)
@campaign_options
@pass_env
def trial_run(env, campaign_id, count_in_meta, watch_snapshots, **options):
    campaign = trial_campaign(campaign_id, count_in_meta=count_in_meta, watch_snapshots=watch_snapshots)
    run_campaign(env, campaign, **options)


if __name__ == "__main__":
    from loyalty_cli.cli import cli, main

    cli.add_command(trial_mail)
    main()

"""Sending a campaign against a real SMTP server, on both stores: once per member, whatever
happens half-way (a 5xx, the server going down, a crash), the dry run, limit and pace."""

from __future__ import annotations

import os
import stat
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from mail_trial import trial_mail
from smtp_server import PASSWORD, USER, free_port

from loyalty_cli.cli import cli

MEMBERS = [
    ("Anna Bērziņa", "anna@example.lv", True),
    ("Jānis Kalniņš", "janis@example.lv", True),
    ("Olga Ivanova", "olga@example.lv", True),
    ("Pēteris Ozols", "peteris@example.lv", False),  # no consent
    ("Ilze Liepa", None, True),  # no e-mail
    ("Marta Zariņa", "marta@example.lv", True),
]
MAILED = ["anna@example.lv", "janis@example.lv", "olga@example.lv", "marta@example.lv"]


@pytest.fixture
def trial_commands():
    cli.add_command(trial_mail)
    yield
    cli.commands.pop("trial-mail", None)


@pytest.fixture
def shop(loyalty, mail_room, trial_commands):
    """A programme with six members (four may be mailed) and the loopback server set up."""
    cards = {}
    for name, address, consent in MEMBERS:
        args = ["--email", address] if address else []
        args.append("--consent" if consent else "--no-consent")
        cards[name] = loyalty.enroll(name, *args)
    loyalty("program", "set", "mail.server", mail_room.url())
    loyalty("program", "set", "mail.from", "Maiznīca Rīts <info@example.lv>")
    loyalty.cards = cards
    return loyalty


def campaign(loyalty, *args, expect=0, campaign_id="offer-autumn"):
    return loyalty.json("trial-mail", "campaign", campaign_id, *args, expect=expect)


def outbox(loyalty, campaign_id="offer-autumn") -> dict[str, str]:
    return {card: doc["state"] for card, doc in loyalty.store().read().outbox.of(campaign_id).items()}


def test_members_with_consent_and_an_email_get_one_letter_each(shop, mail_room):
    result = campaign(shop)
    assert sorted(mail_room.recipients()) == sorted(MAILED)
    assert (result["sent"], result["skipped"], result["failed"], result["unsure"]) == (4, 2, 0, 0)
    assert result["cards"]["skipped"] == {
        shop.cards["Pēteris Ozols"]: "no consent",
        shop.cards["Ilze Liepa"]: "no e-mail",
    }
    assert set(outbox(shop).values()) == {"sent"}
    record = shop.store().read().outbox.of("offer-autumn")[shop.cards["Anna Bērziņa"]]
    # The command's clock, plus the time the run had taken (seconds, on a busy machine).
    taken = datetime.fromisoformat(record["at"]) - datetime.fromisoformat("2026-11-22T12:00:00+00:00")
    assert timedelta(0) <= taken <= timedelta(seconds=60)


def test_a_second_run_sends_nothing_again(shop, mail_room):
    campaign(shop)
    again = campaign(shop)
    assert again["sent"] == 0
    assert Counter(again["cards"]["skipped"].values()) == {"already sent": 4, "no consent": 1, "no e-mail": 1}
    assert len(mail_room.received) == 4


def test_another_campaign_writes_to_the_same_members_again(shop, mail_room):
    campaign(shop)
    campaign(shop, campaign_id="offer-winter")
    assert Counter(mail_room.recipients()) == {address: 2 for address in MAILED}


def test_a_5xx_for_one_address_fails_that_letter_only_and_the_next_run_retries_it(shop, mail_room):
    mail_room.refused["janis@example.lv"] = "550 5.1.1 <Janis@example.lv>: Mailbox unavailable"
    result = campaign(shop, expect=1)
    assert (result["sent"], result["failed"]) == (3, 1)
    reason = "550 5.1.1 <<member>>: Mailbox unavailable"  # the outbox never holds the address
    assert result["cards"]["failed"] == {shop.cards["Jānis Kalniņš"]: reason}
    record = shop.store().read().outbox.of("offer-autumn")[shop.cards["Jānis Kalniņš"]]
    assert (record["state"], record["error"]) == ("failed", reason)
    del mail_room.refused["janis@example.lv"]
    retried = campaign(shop)
    assert retried["cards"]["sent"] == [shop.cards["Jānis Kalniņš"]]
    assert Counter(mail_room.recipients()) == {address: 1 for address in MAILED}


def test_the_server_going_down_mid_campaign_stops_the_run_and_the_next_run_sends_the_rest_once(
    shop, mail_room
):
    mail_room.down_after = 2
    result = shop("trial-mail", "campaign", "offer-autumn", "--json", expect=3)
    document = __import__("json").loads(result.stdout)
    assert document["sent"] == 2
    assert document["stopped"].startswith("the mail server cannot take letters now: 421")
    assert document["failed"] + document["left"] == 2
    assert "wait for the next run" in result.stderr
    mail_room.down_after = None
    rest = campaign(shop)
    assert rest["sent"] == 2
    assert Counter(mail_room.recipients()) == {address: 1 for address in MAILED}


def test_a_server_that_cannot_be_reached_sends_and_records_nothing(shop, mail_room):
    shop("program", "set", "mail.server", f"smtp://127.0.0.1:{free_port()}")
    before = shop.snapshot()
    result = shop("trial-mail", "campaign", "offer-autumn", "--json", expect=3)
    document = __import__("json").loads(result.stdout)
    assert (document["sent"], document["left"]) == (0, 4)
    assert "cannot reach the mail server 127.0.0.1:" in result.stderr
    assert shop.snapshot() == before


def test_an_unsure_letter_is_not_sent_again_unless_asked(shop, mail_room):
    olga = shop.cards["Olga Ivanova"]
    with shop.store().transaction() as writing:  # what a run killed during the send leaves
        writing.outbox.mark("offer-autumn", olga, "sending", at="2026-11-22T11:00:00+00:00")
    result = campaign(shop)
    assert result["cards"]["unsure"] == [olga]
    assert "olga@example.lv" not in mail_room.recipients()
    assert outbox(shop)[olga] == "sending"
    resent = campaign(shop, "--resend-unsure")
    assert resent["cards"]["sent"] == [olga]
    assert Counter(mail_room.recipients()) == {address: 1 for address in MAILED}


def test_people_are_told_about_unsure_letters(shop, mail_room):
    with shop.store().transaction() as writing:
        writing.outbox.mark(
            "offer-autumn", shop.cards["Olga Ivanova"], "sending", at="2026-11-22T11:00:00+00:00"
        )
    result = shop("trial-mail", "campaign", "offer-autumn")
    assert f"unsure   {shop.cards['Olga Ivanova']}" in result.stdout
    assert "Unsure:   1" in result.stdout
    assert "--resend-unsure" in result.stderr


def test_the_dry_run_writes_private_eml_files_and_sends_and_records_nothing(shop, mail_room, tmp_path):
    before = shop.snapshot()
    folder = tmp_path / "letters"
    result = campaign(shop, "--dry-run", str(folder))
    assert result["dry_run"] is True and result["sent"] == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{shop.cards[name]}.eml" for name, address, consent in MEMBERS if address and consent
    )
    anna = folder / f"{shop.cards['Anna Bērziņa']}.eml"
    assert stat.S_IMODE(anna.stat().st_mode) == 0o600
    assert b"To: anna@example.lv" in anna.read_bytes()
    assert mail_room.received == []
    assert shop.snapshot() == before


def test_the_dry_run_leaves_out_letters_already_sent(shop, mail_room, tmp_path):
    shop("trial-mail", "campaign", "offer-autumn", "--limit", "1")
    result = campaign(shop, "--dry-run", str(tmp_path / "letters"))
    assert len(result["written"]) == 3


def test_limit_sends_at_most_n_and_leaves_the_rest_for_the_next_run(shop, mail_room):
    first = campaign(shop, "--limit", "3")
    assert (first["sent"], first["left"]) == (3, 1)
    second = campaign(shop, "--limit", "3")
    assert (second["sent"], second["left"]) == (1, 0)
    assert Counter(mail_room.recipients()) == {address: 1 for address in MAILED}


def test_per_minute_spaces_the_letters(shop, mail_room):
    started = time.monotonic()
    campaign(shop, "--per-minute", "600")  # 0.1 s apart: four letters take at least 0.3 s
    assert time.monotonic() - started >= 0.3
    assert len(mail_room.received) == 4


def test_on_sent_runs_once_per_letter_in_the_sent_transaction(shop, mail_room):
    mail_room.refused["janis@example.lv"] = "550 5.1.1 Mailbox unavailable"
    campaign(shop, "--count-in-meta", expect=1)
    campaign(shop, "--count-in-meta", expect=1)
    assert shop.store().read().meta["trial_letters"] == 3


def test_a_campaign_through_starttls_never_prints_the_password(
    loyalty, tls_mail_room, trial_commands, monkeypatch
):
    monkeypatch.setenv("LOYALTY_SMTP_PASSWORD", PASSWORD)
    loyalty.enroll("Anna Bērziņa", "--email", "anna@example.lv", "--consent")
    loyalty("program", "set", "mail.server", tls_mail_room.url(user=USER.replace("@", "%40")))
    loyalty("program", "set", "mail.from", "info@example.lv")
    for args in ((), ("--json",)):
        result = loyalty("trial-mail", "campaign", f"offer-{len(args)}", *args)
        assert PASSWORD not in result.stdout + result.stderr
    assert tls_mail_room.recipients() == ["anna@example.lv", "anna@example.lv"]
    assert tls_mail_room.received[0].message["From"] == "info@example.lv"


def test_a_run_killed_half_way_then_run_again_sends_no_letter_twice(shop, mail_room, tmp_path):
    """A real process is killed (SIGKILL) the moment the server has its second letter, before it
    hears that the server took it: that letter is unsure; the next run sends the others once."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from conftest import NOW

    order = sorted(shop.cards[name] for name, address, consent in MEMBERS if address and consent)
    mail_room.hold_after = 2
    script = Path(__file__).with_name("mail_trial.py")
    process = subprocess.Popen(
        [
            sys.executable,
            str(script),
            *shop.where(),
            "--wait",
            "60",
            "trial-mail",
            "campaign",
            "offer-autumn",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "LOYALTY_NOW": NOW, "LOYALTY_OPERATOR": "cron"},
    )
    deadline = time.monotonic() + 8
    while len(mail_room.received) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    assert len(mail_room.received) == 2
    assert outbox(shop)[order[1]] == "sending"
    mail_room.hold_after = None
    rerun = campaign(shop)
    assert rerun["cards"]["unsure"] == [order[1]]
    assert rerun["cards"]["sent"] == order[2:]
    assert Counter(mail_room.recipients()) == {address: 1 for address in MAILED}


def test_a_campaign_tells_people_in_latvian(shop, mail_room):
    mail_room.refused["janis@example.lv"] = "550 5.1.1 Mailbox unavailable"
    result = shop("--lang", "lv", "trial-mail", "campaign", "offer-autumn", expect=1)
    assert f"nosūtīta {shop.cards['Anna Bērziņa']}" in result.stdout
    assert f"neizdevās {shop.cards['Jānis Kalniņš']}  550 5.1.1 Mailbox unavailable" in result.stdout
    assert "Nosūtītas:" in result.stdout and "Izlaisti:" in result.stdout
    assert "Sūta offer-autumn caur 127.0.0.1:" in result.stderr
    assert "4 vēstules jānosūta" in result.stderr


def test_the_letters_due_are_counted_with_the_right_plural_in_russian(shop, mail_room):
    shop("trial-mail", "campaign", "offer-autumn", "--limit", "3")
    result = shop("--lang", "ru", "trial-mail", "campaign", "offer-autumn")
    assert "1 письмо к отправке" in result.stderr


def test_a_stopped_campaign_says_so_in_russian(shop, mail_room):
    shop("program", "set", "mail.server", f"smtp://127.0.0.1:{free_port()}")
    result = shop("--lang", "ru", "trial-mail", "campaign", "offer-autumn", expect=3)
    assert "не удаётся связаться с почтовым сервером 127.0.0.1:" in result.stderr
    assert "неотправленные письма ждут следующего запуска" in result.stderr
    assert "Оставлено на следующий запуск: 4" in result.stdout


def test_a_letter_another_run_sent_meanwhile_is_not_sent_again(shop, mail_room):
    """Two runs of one campaign at once (cron and a person): each letter is claimed in a
    transaction that looks again, so the one another run took after this run began is left."""
    from mail_trial import trial_campaign

    from loyalty_cli.clock import Clock
    from loyalty_cli.mail import sending, settings

    store = shop.store()
    taken = shop.cards["Anna Bērziņa"]
    campaign = trial_campaign("offer-autumn")
    composing = campaign.letters

    def letters(reader):
        for letter in composing(reader):
            if letter.card == taken:  # the other run claims and sends it now
                with store.transaction() as writing:
                    writing.outbox.mark("offer-autumn", taken, "sent", at="2026-11-22T12:00:00+00:00")
            yield letter

    campaign.letters = letters
    programme = store.read().programme()
    run = sending.send_campaign(store, campaign, settings.mail_settings(programme.settings), Clock.system())
    assert taken not in run.sent and run.skipped[taken] == "already sent"
    assert "anna@example.lv" not in mail_room.recipients()
    assert len(run.sent) == 3


@pytest.mark.postgres_only
def test_no_snapshot_stays_open_while_the_letters_go_out(shop, mail_room):
    """On PostgreSQL a read snapshot held for a whole (throttled) campaign would hold back the
    database's clean-up: the letters are composed first, and the snapshot ended."""
    import psycopg2
    from mail_trial import trial_campaign

    from loyalty_cli.clock import Clock
    from loyalty_cli.mail import sending, settings

    open_transactions = []

    def on_sent(writing, letter, clock):
        watcher = psycopg2.connect(shop.database)
        watcher.autocommit = True
        with watcher.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = current_setting('application_name')"
                " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
            open_transactions.append(cur.fetchone()[0])
        watcher.close()

    campaign = trial_campaign("offer-autumn")
    campaign.on_sent = on_sent
    store = shop.store()
    mail = settings.mail_settings(store.read().programme().settings)
    run = sending.send_campaign(store, campaign, mail, Clock.system())
    assert len(run.sent) == 4
    assert open_transactions == [1, 1, 1, 1]  # the "sent" transaction itself, nothing else


@pytest.mark.postgres_only
def test_the_campaign_command_keeps_no_snapshot_open_either(shop, mail_room):
    campaign(shop, "--watch-snapshots")
    assert shop.store().read().meta["open_snapshots"] == [0, 0, 0, 0]


def test_a_dry_run_into_a_folder_that_cannot_be_made_is_exit_3_in_one_line(shop, mail_room, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = shop("trial-mail", "campaign", "offer-autumn", "--dry-run", str(blocker / "letters"), expect=3)
    assert result.stderr.startswith("Error: could not write")
    assert "Traceback" not in result.stderr
    assert mail_room.received == []


def test_a_connection_the_server_closed_while_idle_is_opened_again(shop, mail_room):
    """A slow --per-minute leaves the connection idle between letters; a server that cuts idle
    clients off must not stop the run."""
    from smtp_server import MailRoom, start

    hasty = MailRoom()
    controller = start(hasty, idle=0.3)
    try:
        shop("program", "set", "mail.server", hasty.url())
        result = campaign(shop, "--per-minute", "120")  # 0.5 s apart: idle longer than 0.3 s
    finally:
        controller.stop()
    assert (result["sent"], result["stopped"]) == (4, None)
    assert Counter(hasty.recipients()) == {address: 1 for address in MAILED}

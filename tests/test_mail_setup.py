"""Mail setup: the mail.server and mail.from settings, the password, and `mail test` against a
real SMTP server (plain on loopback, STARTTLS with a login, smtps)."""

from __future__ import annotations

import json

import pytest
from mail_trial import trial_mail
from smtp_server import PASSWORD, USER

from loyalty_cli.cli import cli
from loyalty_cli.errors import InvalidInput
from loyalty_cli.mail import settings
from loyalty_cli.mail.settings import Server


@pytest.fixture
def trial_commands():
    """The `trial-mail` group on the root command for the length of a test."""
    cli.add_command(trial_mail)
    yield
    cli.commands.pop("trial-mail", None)


def set_up(loyalty, url: str, sender: str = "Maiznīca Rīts <info@example.lv>") -> None:
    loyalty("program", "set", "mail.server", url)
    loyalty("program", "set", "mail.from", sender)


def test_mail_server_is_stored_with_its_default_port(loyalty):
    loyalty("program", "set", "mail.server", "smtp://info%40example.lv@smtp.example.lv")
    loyalty("program", "set", "mail.from", "Maiznīca Rīts <info@example.lv>")
    shown = loyalty.json("program", "show")
    assert shown["mail.server"] == "smtp://info%40example.lv@smtp.example.lv:587"
    assert shown["mail.from"] == "Maiznīca Rīts <info@example.lv>"


def test_smtps_defaults_to_port_465_and_a_user_may_be_an_address():
    assert settings.parse_server("smtps://info@example.lv@mail.example.lv") == (
        "smtps://info%40example.lv@mail.example.lv:465"
    )
    assert settings.server_of("smtps://info%40example.lv@mail.example.lv:465") == Server(
        "smtps", "mail.example.lv", 465, "info@example.lv"
    )


def test_a_password_in_the_url_is_refused_without_repeating_it(loyalty):
    before = loyalty.snapshot()
    result = loyalty(
        "program", "set", "mail.server", "smtp://shop:Hunter2secret@smtp.example.lv:587", expect=2
    )
    assert "LOYALTY_SMTP_PASSWORD" in result.stderr
    assert "Hunter2secret" not in result.stdout + result.stderr
    assert loyalty.snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "http://smtp.example.lv",
        "smtp://",
        "smtp://smtp.example.lv:99999",
        "smtp://smtp.example.lv/path",
        "smtp://bad_host!:25",
        "smtp://smtp.example.lv:0",
    ],
)
def test_a_mail_server_that_is_not_an_smtp_url_is_refused(url):
    with pytest.raises(InvalidInput):
        settings.parse_server(url)


@pytest.mark.parametrize(
    "sender", ["Shop", "Shop <not an address>", "<>", "Shop <a@b> extra", 'Sh"op <a@b.lv>']
)
def test_a_sender_that_is_not_name_and_address_is_refused(loyalty, sender):
    before = loyalty.snapshot()
    result = loyalty("program", "set", "mail.from", sender, expect=2)
    assert "mail.from" in result.stderr
    assert loyalty.snapshot() == before


def test_an_address_alone_is_a_sender():
    assert settings.parse_sender("  info@example.lv ") == "info@example.lv"
    assert settings.sender_of("Rīts <info@example.lv>") == ("Rīts", "info@example.lv")


def test_a_server_with_a_user_needs_the_password_in_the_environment():
    stored = {"mail.server": "smtp://shop@smtp.example.lv:587", "mail.from": "info@example.lv"}
    with pytest.raises(Exception, match="LOYALTY_SMTP_PASSWORD"):
        settings.mail_settings(stored, environ={})
    found = settings.mail_settings(stored, environ={"LOYALTY_SMTP_PASSWORD": "pw-123456"})
    assert found.password == "pw-123456"
    assert "pw-123456" not in repr(found)


def test_mail_test_sends_one_message_through_a_loopback_server(loyalty, mail_room, trial_commands):
    set_up(loyalty, mail_room.url())
    result = loyalty("trial-mail", "test", "anna@example.lv")
    assert "anna@example.lv" in result.stdout
    assert mail_room.recipients() == ["anna@example.lv"]
    message = mail_room.received[0].message
    assert message["Subject"] == "Test message from Test shop"
    assert message["From"] == "Maiznīca Rīts <info@example.lv>"


def test_mail_test_uses_starttls_and_logs_in_without_printing_the_password(
    loyalty, tls_mail_room, trial_commands, monkeypatch
):
    monkeypatch.setenv("LOYALTY_SMTP_PASSWORD", PASSWORD)
    set_up(loyalty, tls_mail_room.url(user=USER.replace("@", "%40")))
    document = loyalty.json("trial-mail", "test", "anna@example.lv")
    assert document["encryption"] == "STARTTLS"
    assert tls_mail_room.logins == [(USER, PASSWORD)]
    assert tls_mail_room.recipients() == ["anna@example.lv"]
    assert PASSWORD not in json.dumps(document)


def test_mail_test_over_smtps(loyalty, smtps_mail_room, trial_commands, monkeypatch):
    monkeypatch.setenv("LOYALTY_SMTP_PASSWORD", PASSWORD)
    set_up(loyalty, smtps_mail_room.url("smtps", user=USER.replace("@", "%40")))
    assert loyalty.json("trial-mail", "test", "anna@example.lv")["encryption"] == "TLS"
    assert smtps_mail_room.recipients() == ["anna@example.lv"]


def test_a_refused_login_is_exit_3_naming_the_server_never_the_password(
    loyalty, tls_mail_room, trial_commands, monkeypatch
):
    monkeypatch.setenv("LOYALTY_SMTP_PASSWORD", "wrong-Pa55word")
    set_up(loyalty, tls_mail_room.url(user=USER.replace("@", "%40")))
    result = loyalty("trial-mail", "test", "anna@example.lv", expect=3)
    assert f"127.0.0.1:{tls_mail_room.port}" in result.stderr
    assert "refused the login" in result.stderr
    assert "wrong-Pa55word" not in result.stdout + result.stderr
    assert tls_mail_room.received == []


def test_a_server_that_cannot_be_reached_is_exit_3(loyalty, trial_commands):
    from smtp_server import free_port

    set_up(loyalty, f"smtp://127.0.0.1:{free_port()}")
    result = loyalty("trial-mail", "test", "anna@example.lv", expect=3)
    assert "cannot reach the mail server 127.0.0.1:" in result.stderr


def test_a_server_without_starttls_is_refused_beyond_this_machine(
    loyalty, mail_room, trial_commands, monkeypatch
):
    monkeypatch.setattr(Server, "loopback", property(lambda server: False))
    set_up(loyalty, mail_room.url())
    result = loyalty("trial-mail", "test", "anna@example.lv", expect=3)
    assert "does not offer STARTTLS" in result.stderr
    assert mail_room.received == []


def test_a_certificate_that_cannot_be_trusted_is_refused(loyalty, tls_mail_room, trial_commands, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("LOYALTY_SMTP_PASSWORD", PASSWORD)
    set_up(loyalty, tls_mail_room.url(user=USER.replace("@", "%40")))
    result = loyalty("trial-mail", "test", "anna@example.lv", expect=3)
    assert "cannot be trusted" in result.stderr
    assert tls_mail_room.logins == []


def test_mail_test_refused_address_is_exit_1(loyalty, mail_room, trial_commands):
    mail_room.refused["nobody@example.lv"] = "550 5.1.1 No such user"
    set_up(loyalty, mail_room.url())
    result = loyalty("trial-mail", "test", "nobody@example.lv", expect=1)
    assert "550 5.1.1 No such user" in result.stderr


def test_mail_test_without_a_server_set_says_how_to_set_one(loyalty, trial_commands):
    result = loyalty("trial-mail", "test", "anna@example.lv", expect=1)
    assert "loyalty program set mail.server" in result.stderr


def test_mail_test_says_what_it_did_in_russian(loyalty, mail_room, trial_commands):
    set_up(loyalty, mail_room.url())
    result = loyalty("--lang", "ru", "trial-mail", "test", "anna@example.lv")
    assert "Проверочное письмо отправлено на anna@example.lv через 127.0.0.1:" in result.stdout
    assert mail_room.received[0].message["Subject"] == "Проверочное письмо от Test shop"


def test_a_password_in_the_url_is_refused_in_latvian(loyalty):
    result = loyalty(
        "--lang", "lv", "program", "set", "mail.server", "smtp://a:Hunter2secret@smtp.example.lv", expect=2
    )
    assert (
        "mail.server nedrīkst saturēt paroli; norādiet to vides mainīgajā LOYALTY_SMTP_PASSWORD"
        in result.stderr
    )
    assert "Hunter2secret" not in result.stderr

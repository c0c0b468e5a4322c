"""A real SMTP server for the mail tests (aiosmtpd), on a free loopback port.

`MailRoom` receives what `loyalty` sends and keeps it in memory; a test can make it refuse
one address for good (5xx), go "down" after a number of messages (421 to everything, as a
server shutting down answers), offer STARTTLS, or ask for a login. A self-signed
certificate for 127.0.0.1 is made once per test session with the openssl command.
"""

from __future__ import annotations

import asyncio
import email
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

USER, PASSWORD = "shop@example.lv", "s3cret-Pa55word"


@dataclass
class Received:
    """One message as the server got it."""

    sender: str
    to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=default)


@dataclass
class MailRoom:
    """The server's state, read and changed by the test while the server runs."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # address -> "550 5.1.1 No such user"
    down_after: int | None = None  # messages taken before answering 421 to everything
    hold_after: int | None = None  # the message after which the answer is held back (a crash's moment)
    logins: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, scheme: str = "smtp", user: str | None = None) -> str:
        who = f"{user}@" if user else ""
        return f"{scheme}://{who}{self.host}:{self.port}"

    def recipients(self) -> list[str]:
        with self.lock:
            return [address for r in self.received for address in r.to]

    # aiosmtpd's handler hooks
    async def handle_MAIL(self, server, session, envelope, address, options):
        if self._down():
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self._down():
            return "421 4.3.2 Service shutting down"
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
            held = len(self.received) == self.hold_after
        if held:  # the message is here, its sender does not know it yet
            await asyncio.sleep(5)
        return "250 Message accepted for delivery"

    def _down(self) -> bool:
        with self.lock:
            return self.down_after is not None and len(self.received) >= self.down_after

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == (USER, PASSWORD), handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(
    room: MailRoom,
    *,
    starttls: ssl.SSLContext | None = None,
    tls: ssl.SSLContext | None = None,
    login: bool = False,
    idle: float | None = None,
):
    """A running aiosmtpd controller serving `room` (stop it with .stop())."""
    from aiosmtpd.controller import Controller

    room.port = free_port()
    options: dict = {} if idle is None else {"timeout": idle}  # seconds before an idle client is cut off
    if starttls is not None:
        options.update(tls_context=starttls, require_starttls=False)
    if login:
        options.update(
            authenticator=room.authenticate,
            auth_require_tls=starttls is not None,
        )
    controller = Controller(
        room, hostname=room.host, port=room.port, ssl_context=tls, server_hostname="localhost", **options
    )
    controller.start()
    return controller


@pytest.fixture
def mail_room():
    """A plain SMTP server on loopback (no TLS: allowed on this machine only)."""
    room = MailRoom()
    controller = start(room)
    yield room
    controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Path:
    """A self-signed certificate for 127.0.0.1 and localhost: key and certificate in one PEM file."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return folder


def server_context(folder: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@pytest.fixture
def tls_mail_room(certificate, monkeypatch):
    """A server offering STARTTLS and asking for a login; the client trusts its certificate."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    room = MailRoom()
    controller = start(room, starttls=server_context(certificate), login=True)
    yield room
    controller.stop()


@pytest.fixture
def smtps_mail_room(certificate, monkeypatch):
    """A server speaking TLS from the first byte (smtps://), asking for a login."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    room = MailRoom()
    controller = start(room, tls=server_context(certificate), login=True)
    yield room
    controller.stop()

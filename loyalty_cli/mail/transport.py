"""The connection to the shop's mail server: one per run, encrypted, each letter handed over once.

Mail leaves this machine encrypted or not at all: `smtps://` is TLS from the first byte;
`smtp://` upgrades with STARTTLS, and a server that does not offer it is refused unless it
runs on this machine (a local relay on localhost/127.0.0.1, where nothing crosses a network).
Certificates are checked against the system's trusted authorities (or the file named by
SSL_CERT_FILE). The password is sent only over that encrypted connection, and never appears
in a message.

What the server answers decides what happens to a letter (`sending.py` records it):
- accepted: sent;
- a permanent refusal (5xx) of this recipient or this message: `LetterRefused`, that
  letter failed, the run goes on;
- anything else (a temporary 4xx, a refused login or sender, the server unreachable or gone):
  `ServerProblem`, the run stops and the rest waits for the next run. `ServerProblem.unsure`
  tells whether the letter may have gone all the same (the connection broke after the
  message was handed over, before the server confirmed it).

smtplib and ssl are imported only when a letter is sent.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from loyalty_cli.errors import DataProblem
from loyalty_cli.language import _

if TYPE_CHECKING:
    from email.message import EmailMessage

    from loyalty_cli.mail.settings import MailSettings

TIMEOUT = 30.0  # seconds for the connection and for each answer of the server


class LetterRefused(Exception):
    """The server refused this letter for good (5xx): its reason, one line without the address."""


class ServerProblem(DataProblem):
    """The mail server cannot take letters now: the run stops (exit 3); the rest waits."""

    def __init__(self, message: str, *, unsure: bool = False):
        super().__init__(message)
        self.unsure = unsure


class _Stale(Exception):
    """A connection reused for the next letter turned out closed before the letter went."""


class Postbox:
    """An open connection to the mail server, used as a context manager.

    `send(message, to)` hands one message over; `encrypted` tells how the connection is
    protected (TLS, STARTTLS or "none" on a loopback relay).
    """

    def __init__(self, settings: MailSettings, *, timeout: float = TIMEOUT):
        self.settings = settings
        self.timeout = timeout
        self.encrypted = "none"
        self._smtp = None

    def __enter__(self) -> Postbox:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._smtp is not None

    def open(self) -> None:
        """Connect, encrypt and log in; ServerProblem when any of it fails."""
        import smtplib
        import ssl

        server = self.settings.server
        context = ssl.create_default_context()
        try:
            if server.implicit_tls:
                smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout, context=context)
                self.encrypted = "TLS"
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            try:
                smtp.ehlo()
                if not server.implicit_tls:
                    if smtp.has_extn("starttls"):
                        smtp.starttls(context=context)
                        smtp.ehlo()
                        self.encrypted = "STARTTLS"
                    elif not server.loopback:
                        raise ServerProblem(
                            _(
                                "the mail server {server} does not offer STARTTLS, and mail is never sent"
                                " unencrypted over a network; use smtps:// or another server"
                            ).format(server=server)
                        )
                if server.user:
                    smtp.login(server.user, self.settings.password or "")
            except BaseException:
                _close_quietly(smtp)
                raise
        except ServerProblem:
            raise
        except smtplib.SMTPAuthenticationError:
            raise ServerProblem(
                _(
                    "the mail server {server} refused the login of {user}; check the user and {variable}"
                ).format(server=server, user=server.user, variable="LOYALTY_SMTP_PASSWORD")
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise ServerProblem(
                _(
                    "the mail server {server} does not accept a login; remove the user from mail.server"
                ).format(server=server)
            ) from None
        except ssl.SSLCertVerificationError as error:
            raise ServerProblem(
                _("the certificate of the mail server {server} cannot be trusted: {reason}").format(
                    server=server, reason=error.verify_message or error.reason
                )
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise ServerProblem(
                _("cannot reach the mail server {server}: {reason}").format(
                    server=server, reason=_reason(error)
                )
            ) from None
        self._smtp = smtp

    def send(self, message: EmailMessage, to: str) -> None:
        """Hand `message` to the server for `to`: LetterRefused (5xx) or ServerProblem.

        A connection left idle between letters (a slow `--per-minute`) may have been closed
        by the server meanwhile: found closed before the letter was handed over, it is
        opened afresh once.
        """
        reused = self._smtp is not None
        if not reused:
            self.open()
        try:
            self._hand_over(message, to, reused=reused)
        except _Stale:
            self._drop()
            self.open()
            self._hand_over(message, to, reused=False)

    def _hand_over(self, message: EmailMessage, to: str, *, reused: bool) -> None:
        import smtplib

        smtp = self._smtp
        server = self.settings.server
        handed_over = False
        try:
            try:
                code, answer = smtp.mail(self.settings.sender_address)
            except (smtplib.SMTPServerDisconnected, OSError):
                if reused:
                    raise _Stale() from None
                raise
            if code == 421 and reused:  # "closing the connection": it was idle too long
                raise _Stale()
            _check(code, answer, sender=True)
            code, answer = smtp.rcpt(to)
            _check(code, answer)
            handed_over = True  # from here the server may have the message even if no answer comes
            code, answer = smtp.data(message.as_bytes(policy=_wire_policy()))
            _check(code, answer)
        except _Stale:
            raise
        except (LetterRefused, ServerProblem):
            self._reset()
            raise
        except smtplib.SMTPResponseException as error:  # DATA itself refused: an answer, not a break
            self._reset()
            _check(error.smtp_code, error.smtp_error)
            raise ServerProblem(_reason(error)) from None
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise ServerProblem(
                _("the mail server {server} stopped answering: {reason}").format(
                    server=server, reason=_reason(error)
                ),
                unsure=handed_over,
            ) from None

    def close(self) -> None:
        """Say goodbye to the server (QUIT); never fails."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            _close_quietly(smtp)

    def _reset(self) -> None:
        # After a refusal the transaction on the server is cleared for the next letter.
        try:
            self._smtp.rset()
        except Exception:
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(Exception):
                smtp.close()


def _check(code: int, answer: bytes, *, sender: bool = False) -> None:
    """2xx goes on; 5xx refuses the letter (or, for the sender, stops the run); 4xx stops the run."""
    if 200 <= code < 300:
        return
    reason = _answer(code, answer)
    if 500 <= code < 600 and not sender:
        raise LetterRefused(reason)
    if sender and 500 <= code < 600:
        raise ServerProblem(_("the mail server refused the sender: {reason}").format(reason=reason))
    raise ServerProblem(_("the mail server cannot take letters now: {reason}").format(reason=reason))


def _wire_policy():
    # Lines end in CRLF on the wire; the envelope is 7-bit (quoted-printable, encoded words).
    from email import policy

    return policy.SMTP


def _answer(code: int, answer: bytes) -> str:
    """The server's answer as one line: "550 5.1.1 mailbox unavailable"."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return " ".join(f"{code} {text}".split())[:300]


def _reason(error: BaseException) -> str:
    import smtplib

    if isinstance(error, smtplib.SMTPResponseException):
        return _answer(error.smtp_code, error.smtp_error)
    if isinstance(error, TimeoutError) or type(error).__name__ == "timeout":
        return _("no answer in time")
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())[:300]


def _close_quietly(smtp) -> None:
    try:
        smtp.quit()
    except Exception:
        with contextlib.suppress(Exception):
            smtp.close()

"""How the shop sends mail: the `mail.server` and `mail.from` settings, and the password.

`mail.server` is a URL without a password: `smtp://user@host:587` (STARTTLS) or
`smtps://user@host:465` (TLS from the first byte). The password comes from the environment
variable LOYALTY_SMTP_PASSWORD when a command sends; it is never stored, never printed and
never part of an error message. `mail.from` is the sender, "Name <address>".
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from loyalty_cli import text_fields
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import _

PASSWORD_VARIABLE = "LOYALTY_SMTP_PASSWORD"
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$")
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Server:
    """Where mail goes: scheme (smtp or smtps), host, port and the user to log in as (or None)."""

    scheme: str
    host: str
    port: int
    user: str | None = None

    @property
    def implicit_tls(self) -> bool:
        """smtps://: the connection is encrypted from the first byte."""
        return self.scheme == "smtps"

    @property
    def loopback(self) -> bool:
        """A server on this machine (a local relay): the only one reached without encryption."""
        if self.host.lower() in ("localhost", "localhost."):
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        """host:port, as messages name the server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class MailSettings:
    """What a command that sends needs: the server, the sender and the password (never shown)."""

    server: Server
    sender_name: str
    sender_address: str
    password: str | None = field(default=None, repr=False)


def parse_server(value: str) -> str:
    """The stored form of a `mail.server` value ("" clears it), or InvalidInput.

    A password in the URL is refused, and the message never repeats the URL.
    """
    text = str(value).strip()
    if not text:
        return ""
    server = _server(text)
    user = f"{_quoted_user(server.user)}@" if server.user else ""
    host = f"[{server.host}]" if ":" in server.host else server.host
    return f"{server.scheme}://{user}{host}:{server.port}"


def parse_sender(value: str) -> str:
    """The stored form of `mail.from`: "Name <address>" or "address" ("" clears it)."""
    text = str(value).strip()
    if not text:
        return ""
    name, address = _sender(text)
    return f"{name} <{address}>" if name else address


def server_of(stored: str) -> Server:
    """The server of a stored `mail.server` value."""
    return _server(stored)


def sender_of(stored: str) -> tuple[str, str]:
    """(name, address) of a stored `mail.from` value."""
    return _sender(stored)


def mail_settings(settings: Mapping[str, object], environ: Mapping[str, str] = os.environ) -> MailSettings:
    """The mail settings of a programme, checked before anything is sent; Refused names what is missing."""
    server_text = str(settings.get("mail.server") or "")
    sender_text = str(settings.get("mail.from") or "")
    if not server_text:
        raise Refused(
            _("no mail server is set; set one with: loyalty program set mail.server smtp://USER@HOST:587")
        )
    if not sender_text:
        raise Refused(
            _('no sender is set; set one with: loyalty program set mail.from "Shop <info@example.com>"')
        )
    server = server_of(server_text)
    name, address = sender_of(sender_text)
    password = environ.get(PASSWORD_VARIABLE) or None
    if server.user and password is None:
        raise Refused(
            _(
                "mail.server logs in as {user}: set its password in the environment variable {variable}"
            ).format(user=server.user, variable=PASSWORD_VARIABLE)
        )
    return MailSettings(server, name, address, password if server.user else None)


def _server(text: str) -> Server:
    text_fields.check(text, "mail.server")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidInput(_("mail.server has no valid port (a number from 1 to 65535)")) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        raise InvalidInput(_("mail.server is a URL like smtp://user@host:587 or smtps://user@host:465"))
    if parts.password is not None:
        # The URL itself is never repeated: it holds a password.
        raise InvalidInput(
            _("mail.server must not hold a password; give it in the environment variable {variable}").format(
                variable=PASSWORD_VARIABLE
            )
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidInput(_("mail.server is a URL like smtp://user@host:587, with nothing after the port"))
    host = parts.hostname or ""
    if not _is_host(host):
        raise InvalidInput(_("mail.server names no valid host"))
    user = unquote(parts.username) if parts.username else None
    if user is not None and (not user.strip() or any(ord(c) < 32 for c in user)):
        raise InvalidInput(_("mail.server names no valid user"))
    if port == 0:
        raise InvalidInput(_("mail.server has no valid port (a number from 1 to 65535)"))
    return Server(scheme, host, port or DEFAULT_PORTS[scheme], user)


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return len(host) <= 253 and bool(_HOST.match(host))


def _quoted_user(user: str) -> str:
    # An e-mail address as the user is common (info@example.lv): kept readable, only the
    # characters a URL's user part cannot hold are escaped.
    return "".join(c if c.isalnum() or c in "@._-+~" else f"%{ord(c):02X}" for c in user).replace("@", "%40")


def _sender(text: str) -> tuple[str, str]:
    text_fields.check(text, "mail.from")
    found = re.fullmatch(r"\s*(.*?)\s*<([^<>]*)>\s*", text)
    name, address = (found.group(1), found.group(2).strip()) if found else ("", text.strip())
    name = name.strip().strip('"').strip()
    if not _ADDRESS.match(address) or len(address) > 254:
        raise InvalidInput(_('mail.from is "Name <address@example.com>" or an address alone'))
    if any(c in name for c in '<>"'):
        raise InvalidInput(_('mail.from is "Name <address@example.com>" or an address alone'))
    return name, address

"""The network between a till and the PostgreSQL server: a bad URL, and a link cut mid-command.

Runs only when LOYALTY_TEST_DATABASE_URL names a database. The till talks to the server
through a small TCP relay the test can cut, as a network that goes away would.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner
from conftest import DATABASE_URL, NOW, schema_of_its_own
from conftest import loyalty_process as loyalty

from loyalty_cli.cli import cli

pytestmark = pytest.mark.skipif(not DATABASE_URL, reason="LOYALTY_TEST_DATABASE_URL is not set")


class Relay:
    """Forwards TCP connections to the server until `cut()` closes every one of them."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def cut(self) -> None:
        """The network goes away: every connection through the relay ends at once."""
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


@pytest.fixture
def schema_url():
    """A fresh schema with a programme and one member: (its URL, the card)."""
    with schema_of_its_own() as url:
        runner = CliRunner()
        env = {"LOYALTY_DATABASE_URL": url, "LOYALTY_NOW": NOW}
        runner.invoke(cli, ["init", "--name", "Two tills"], env=env, catch_exceptions=False)
        yield url, runner.invoke(cli, ["enroll", "Anna Bērziņa"], env=env).stdout.strip()


def through(relay: Relay, url: str) -> str:
    """`url` with its host and port replaced by the relay's."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{relay.port}"))


def balance(url: str, card: str) -> int:
    result = CliRunner().invoke(cli, ["member", "show", card, "--json"], env={"LOYALTY_DATABASE_URL": url})
    return json.loads(result.stdout)["balance"]


def test_a_link_cut_mid_command_is_exit_3_saying_nothing_unacknowledged_was_saved(schema_url):
    import psycopg2

    url, card = schema_url
    parts = urlsplit(DATABASE_URL)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 5432)

    holder = psycopg2.connect(url)  # another till, in the middle of its own command
    with holder.cursor() as cur:
        cur.execute("SELECT 1 FROM meta WHERE id = 1 FOR UPDATE")
        till = loyalty(through(relay, url), "purchase", card, "25", "--receipt", "R1")
        deadline = time.monotonic() + 30
        while "Waiting" not in (till.stderr.readline() if till.poll() is None else "Waiting"):
            assert time.monotonic() < deadline
        relay.cut()
        _, stderr = till.communicate(timeout=60)
    holder.rollback()
    holder.close()

    assert till.returncode == 3
    message = stderr.strip()
    assert "\n" not in message
    assert message.startswith("Error: lost the connection to the loyalty database at 127.0.0.1:")
    assert "what was not acknowledged was not saved" in message
    assert balance(url, card) == 0
    env = {"LOYALTY_DATABASE_URL": url, "LOYALTY_NOW": NOW}
    again = CliRunner().invoke(cli, ["purchase", card, "25", "--receipt", "R1"], env=env)
    assert again.exit_code == 0, again.output  # the receipt was never recorded: the till records it again
    assert balance(url, card) == 25
    verified = CliRunner().invoke(cli, ["verify"], env={"LOYALTY_DATABASE_URL": url})
    assert verified.exit_code == 0, verified.output


def test_a_url_postgresql_cannot_read_is_a_usage_error_that_never_echoes_it():
    result = CliRunner().invoke(cli, ["--database", "till:s3cret at the server", "member", "list"])

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --database: not a PostgreSQL URL (postgresql://USER@HOST:PORT/DATABASE)\n"
    )


def test_a_refused_login_is_exit_3_naming_the_host_and_never_the_password():
    parts = urlsplit(DATABASE_URL)
    where = f"127.0.0.1:{parts.port or 5432}{parts.path}"
    url = urlunsplit(parts._replace(netloc=f"nobody_here:s3cret@{where.split('/')[0]}"))

    result = CliRunner().invoke(cli, ["--database", url, "member", "list"])

    assert result.exit_code == 3
    message = result.stderr.strip()
    assert message.startswith(f"Error: cannot connect to the loyalty database at {where}: ")
    assert "s3cret" not in result.output + result.stderr
    assert "\n" not in message

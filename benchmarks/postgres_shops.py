"""Build the benchmark shops in PostgreSQL: a copy of a folder shop, or a chain of many of them.

    python benchmarks/postgres_shops.py FOLDER URL             # the same shop in the database
    python benchmarks/postgres_shops.py FOLDER URL --copies 10 # a chain ten times its size

With `--copies N` every member of the folder shop is there N times, each copy under a card,
phone and e-mail of its own, with the same documents (balance, lots, spend, tier) and the
same history: every ledger entry is written N times in a row, once for each copy of its
member, with fresh ids and the hash chain computed anew. So the 200,000-member chain made
from the 20,000-member reference shop has exactly the reference shop's activity per member
(36 months, about 30 purchases each) and ten times its ledger (about 6.2 million entries).

This is the benchmarks' own loader: rows go in with COPY and the ledger's indexes are
built after the rows, which is what makes ten times the reference shop a matter of
minutes. `loyalty migrate --to URL` is the product's way to move a shop, and is what the
benchmarks time. The URL names the schema to fill (`?options=-csearch_path%3Dname`); the
schema is created if missing and its tables emptied first.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

LEDGER_INDEXES = ("ledger_card_id", "ledger_at", "ledger_receipt")
FOLDER_ONLY_META = ("partitions", "files")  # the folder's partition list and file records
MEMBERS_PER_COPY = 20_000  # the reference shop's card numbers are 27 + 9-digit index + check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("url")
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    members, entries = load(args.folder, args.url, copies=args.copies)
    print(f"{members:,} members and {entries:,} entries in {time.perf_counter() - started:.0f} s")


def schema_of(url: str) -> str:
    """The schema a URL's search_path option names ("public" when none)."""
    for option in parse_qs(urlsplit(url).query).get("options", []):
        for part in option.split():
            if part.startswith("-csearch_path="):
                return part.split("=", 1)[1].split(",")[0]
    return "public"


def load(folder: Path, url: str, *, copies: int = 1) -> tuple[int, int]:
    """Copy the folder shop into the URL's schema `copies` times over; returns (members, entries)."""
    from loyalty_cli.storage.folder.store import Store
    from loyalty_cli.storage.postgres import store as pg_store

    source = Store(folder).read()
    store = pg_store.PostgresStore(url)
    conn = store.connect()
    try:
        cur = conn.cursor()
        schema = schema_of(url)
        cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cur.execute(f'SET search_path TO "{schema}"')
        cur.execute("SET maintenance_work_mem = '512MB'")  # the ledger's indexes, built at the end
        tables = ["meta", "program", "members", "ledger", *pg_store.RECORD_TABLES]
        cur.execute("DROP TABLE IF EXISTS " + ", ".join(tables))
        cur.execute(pg_store.TABLES)
        for name in pg_store.RECORD_TABLES:
            cur.execute(pg_store.RECORD_TABLE.format(name=name))
        for index in LEDGER_INDEXES:
            cur.execute(f"DROP INDEX {index}")
        cur.execute("ALTER TABLE members DROP CONSTRAINT members_phone_key")

        cur.execute(
            "INSERT INTO program (id, settings) VALUES (1, %s)", (_json(source.programme().settings),)
        )
        members = list(source.members.all())
        cur.copy_expert(
            "COPY members (card, phone, enrolled_at, referred_by, doc) FROM STDIN",
            Rows(_member_rows(members, copies)),
        )
        chain = Chain()
        cur.copy_expert(
            "COPY ledger (id, at, card, kind, receipt, doc) FROM STDIN",
            Rows(_ledger_rows(source.ledger.entries(), copies, chain)),
        )
        for name in pg_store.RECORD_TABLES:
            for doc in getattr(source, name).all():
                cur.execute(f"INSERT INTO {name} (name, doc) VALUES (%s, %s)", (doc["name"], _json(doc)))
        if copies == 1 and chain.last != source.meta["last_hash"]:
            raise SystemExit("the copied ledger does not end with the folder's last hash")
        rest = {k: v for k, v in source.meta.items() if k not in (*pg_store.META_COLUMNS, *FOLDER_ONLY_META)}
        cur.execute(
            "INSERT INTO meta (id, schema, tables, next_id, last_hash, doc) VALUES (1, %s, %s, %s, %s, %s)",
            (source.meta["schema"], pg_store.TABLES_VERSION, chain.count + 1, chain.last, _json(rest)),
        )
        cur.execute(
            "ALTER TABLE members ADD CONSTRAINT members_phone_key"
            " UNIQUE (phone) DEFERRABLE INITIALLY DEFERRED"
        )
        cur.execute(pg_store.TABLES)  # the ledger's indexes, built once over all its rows
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE members")
        cur.execute("VACUUM ANALYZE ledger")
        return len(members) * copies, chain.count
    finally:
        conn.close()


class Chain:
    """The new ledger's ids and hash chain, as entries are written."""

    def __init__(self):
        from loyalty_cli import ledger

        self.count = 0
        self.last = ledger.GENESIS

    def link(self, doc: dict) -> dict:
        self.count += 1
        doc["id"], doc["prev"] = self.count, self.last
        self.last = hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return doc


def card_copy(card: str, copy: int) -> str:
    """The card of copy `copy` of a reference-shop member (copy 0 is the member itself)."""
    if copy == 0:
        return card
    body = f"27{int(card[2:-1]) + copy * MEMBERS_PER_COPY:09d}"
    return body + generate._luhn(body)


def _member_rows(members: list[dict], copies: int) -> Iterator[tuple]:
    for original in members:
        for copy in range(copies):
            doc = _member_copy(original, copy) if copy else original
            yield (doc["card"], doc.get("phone"), doc["enrolled_at"], doc.get("referred_by"), _json(doc))


def _member_copy(doc: dict, copy: int) -> dict:
    original = doc["card"]
    doc = {**doc, "card": card_copy(original, copy)}
    if doc.get("phone"):  # +37129xxxxxx: the copies take 20..28 instead of 29
        doc["phone"] = f"{doc['phone'][:5]}{copy - 1}{doc['phone'][6:]}"
    if doc.get("email"):
        doc["email"] = f"{copy}.{doc['email']}"
    if doc.get("referred_by"):
        doc["referred_by"] = card_copy(doc["referred_by"], copy)
    return doc


def _ledger_rows(entries: Iterable, copies: int, chain: Chain) -> Iterator[tuple]:
    for entry in entries:
        original = entry.to_doc()
        for copy in range(copies):
            doc = dict(original)
            if copy:
                doc["card"] = card_copy(doc["card"], copy)
                if doc.get("to_card"):
                    doc["to_card"] = card_copy(doc["to_card"], copy)
                if doc.get("receipt"):
                    doc["receipt"] = f"{doc['receipt']}-{copy}"
            elif copies == 1 and doc["prev"] != chain.last:
                raise SystemExit(f"entry {doc['id']}: the folder's chain is broken here")
            chain.link(doc)
            yield (doc["id"], doc["at"], doc["card"], doc["kind"], doc.get("receipt"), _json(doc))


class Rows:
    """COPY's text format read from an iterator of row tuples (a file for copy_expert)."""

    def __init__(self, rows: Iterator[tuple]):
        self._rows = rows
        self._buffer = b""

    def read(self, size: int = 65536) -> bytes:
        parts, length = [self._buffer], len(self._buffer)
        for row in self._rows:
            line = ("\t".join(_field(value) for value in row) + "\n").encode()
            parts.append(line)
            length += len(line)
            if length >= size:
                break
        data = b"".join(parts)
        self._buffer = data[size:]
        return data[:size]

    def readline(self, size: int = -1) -> bytes:  # copy_expert asks for read() only
        return self.read(size if size > 0 else 65536)


def _field(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _json(doc) -> str:
    return orjson.dumps(doc).decode()


if __name__ == "__main__":
    sys.exit(main())

"""Databases of the sync phase: one per process role, created for the run and dropped after,
and the chunk rows read back from them with plain SQL (for the checks and the raw floor).

PostgreSQL: databases ``<base>_sync_<role>`` (``base`` is ``hostore_bench`` or
``$BENCH_PG_DB``) on the server of ``$PG_URL``, as :mod:`bench.db` does for the other phases;
SQLite: one file per role in a temporary folder. Servers and clients never share one: a
pull moves the data from one database to another, as between two deployments.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .db import BENCH_DB_NAME, FORBIDDEN_NAMES, PG_URL_DEFAULT, pg_url_for

# (meter, chunk_index) -> (start_ts as UTC microseconds, dtype, is_deleted, blob)
Rows = dict[tuple[str, int], tuple[int, str, bool, bytes]]


@dataclass
class Database:
    """One database of the phase: a SQLite file or a PostgreSQL database (by URL)."""

    vendor: str  # "sqlite" or "postgres"
    location: str  # the file's path, or the database's URL
    admin: str | None = None  # PostgreSQL: the URL of the server's ``postgres`` database

    @property
    def name(self) -> str:
        return self.location.rsplit("/", 1)[-1]

    def env(self) -> dict[str, str]:
        """The environment our processes read their database from (:mod:`bench.settings`)."""
        if self.vendor == "sqlite":
            return {"BENCH_DB": "sqlite", "BENCH_SQLITE_PATH": self.location}
        return {"BENCH_DB": "postgres", "BENCH_PG_URL": self.location}

    def recreate(self) -> None:
        """Make the database new and empty."""
        self.drop()
        if self.vendor == "postgres":
            with _admin(self.admin) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.location + suffix)
            return
        with _admin(self.admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @contextlib.contextmanager
    def connect(self):
        """A DB-API connection (closed at the end of the block)."""
        if self.vendor == "sqlite":
            import sqlite3

            conn = sqlite3.connect(self.location)
        else:
            import psycopg

            conn = psycopg.connect(self.location)
        try:
            yield conn
        finally:
            conn.close()


@contextlib.contextmanager
def _admin(url: str):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


@contextlib.contextmanager
def databases(vendor: str, roles: list[str]) -> Iterator[dict[str, Database]]:
    """``{role: Database}``, each new and empty; all dropped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="hostore_bench_sync_"))
    made: dict[str, Database] = {}
    try:
        base = os.environ.get("BENCH_PG_DB", BENCH_DB_NAME)
        if vendor == "postgres" and base in FORBIDDEN_NAMES:
            raise SystemExit(f"refusing to use the database {base!r}: it is not the benchmark's")
        url = os.environ.get("PG_URL", PG_URL_DEFAULT)
        for role in roles:
            if vendor == "sqlite":
                made[role] = Database("sqlite", str(folder / f"{role}.sqlite3"))
            else:
                name = f"{base}_sync_{role}"
                made[role] = Database(
                    "postgres", pg_url_for(url, name), pg_url_for(url, "postgres")
                )
            made[role].recreate()
        yield made
    finally:
        for database in made.values():
            database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def _micros(value) -> int:
    """A stored ``start_ts`` as UTC microseconds (PostgreSQL gives datetimes, SQLite text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:  # Django keeps UTC in SQLite, without an offset
        value = value.replace(tzinfo=dt.timezone.utc)
    return (value - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)


def read_chunks(db: Database, table: str, meters: list[str] | None = None) -> Rows:
    """Every chunk row of a store's table (tombstones included), or those of ``meters``."""
    sql = f'SELECT meter, chunk_index, start_ts, dtype, is_deleted, data FROM "{table}"'
    params: list = []
    if meters is not None:
        mark = "?" if db.vendor == "sqlite" else "%s"
        sql += f" WHERE meter IN ({', '.join([mark] * len(meters))})"
        params = list(meters)
    with db.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        return {
            (meter, int(ci)): (_micros(start), str(dtype), bool(deleted), bytes(data))
            for meter, ci, start, dtype, deleted, data in cursor.fetchall()
        }


def live_blobs(db: Database, table: str, keys: list[tuple[str, int]] | None = None):
    """``[(meter, chunk_index, blob)]`` of the live chunks in change order (``sync_seq``,
    ``id``: the order our server sends them), or of the chunks ``keys`` only."""
    sql = f'SELECT meter, chunk_index, data FROM "{table}" WHERE NOT is_deleted'
    sql += " ORDER BY sync_seq, id"
    with db.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        rows = [(m, int(ci), bytes(data)) for m, ci, data in cursor.fetchall()]
    if keys is None:
        return rows
    wanted = set(keys)
    return [row for row in rows if (row[0], row[1]) in wanted]


def server_version(db: Database) -> str:
    if db.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with db.connect() as conn:
        return f"PostgreSQL {conn.execute('SHOW server_version').fetchone()[0].split()[0]}"

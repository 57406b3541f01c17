"""Databases of the benchmark: create and drop them, set Django up, size and empty tables.

PostgreSQL: a database of our own (``hostore_bench`` by default) on the server of
``PG_URL`` (default ``postgres://postgres@127.0.0.1:5432/test``), created empty for each
run and dropped at the end; the server's other databases are never touched. Citus: the
same on every node of the cluster of ``CITUS_URL`` (default: ``scripts/citus``'s
coordinator), the stores' and floors' tables distributed by ``meter``. SQLite: a file in a
temporary directory.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from contextlib import contextmanager
from time import perf_counter
from urllib.parse import urlsplit, urlunsplit

PG_URL_DEFAULT = "postgres://postgres@127.0.0.1:5432/test"
CITUS_URL_DEFAULT = "postgres://postgres@127.0.0.1:5440/citus"  # scripts/citus start
BENCH_DB_NAME = "hostore_bench"
FORBIDDEN_NAMES = {"test", "test_test", "postgres", "template0", "template1"}


def pg_url_for(base_url: str, dbname: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@contextmanager
def database(vendor: str):
    """Yield the environment a worker needs for a fresh, empty database; clean up after."""
    if vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="hostore_bench_")
        try:
            yield {"BENCH_DB": "sqlite", "BENCH_SQLITE_PATH": os.path.join(folder, "bench.db")}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    dbname = os.environ.get("BENCH_PG_DB", BENCH_DB_NAME)
    if dbname in FORBIDDEN_NAMES:
        raise SystemExit(f"refusing to use the database {dbname!r}: it is not the benchmark's")
    if vendor == "citus":
        from . import cluster

        source = cluster.settings_of(os.environ.get("CITUS_URL", CITUS_URL_DEFAULT))
        cluster.create(source, dbname)
        try:
            url = pg_url_for(os.environ.get("CITUS_URL", CITUS_URL_DEFAULT), dbname)
            yield {"BENCH_DB": "postgres", "BENCH_PG_URL": url, "BENCH_CITUS": "1"}
        finally:
            cluster.drop(source, dbname)
        return
    base = os.environ.get("PG_URL", PG_URL_DEFAULT)
    admin = pg_url_for(base, "postgres")
    drop = f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield {"BENCH_DB": "postgres", "BENCH_PG_URL": pg_url_for(base, dbname)}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(drop)


def setup_django() -> None:
    """Configure Django from :mod:`bench.settings` (the environment names the database)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def create_tables() -> None:
    """Create every table; on PostgreSQL the floor's ``data`` column copies the store's
    storage mode (``SET STORAGE``), so that both tables stay equivalent if the store sets it.
    """
    from django.db import connection

    from hostore.models import _changes
    from hostore.models._storage import prefer_external_storage

    from .models import FLOORS, STORES, PlainReading, all_models

    with connection.schema_editor() as editor:
        for model in all_models():
            editor.create_model(model)
    _changes.install(connection)  # what `migrate` does for the stores (post_migrate)
    if connection.vendor != "postgresql":
        return
    for store in STORES.values():  # what `migrate` does for a store (post_migrate)
        prefer_external_storage(store, connection.alias)
    modes = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}
    with connection.cursor() as cursor:
        for codec, store in STORES.items():
            cursor.execute(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attname = 'data'",
                [store._meta.db_table],
            )
            mode = modes[cursor.fetchone()[0]]
            floor = connection.ops.quote_name(FLOORS[codec]._meta.db_table)
            cursor.execute(f"ALTER TABLE {floor} ALTER COLUMN data SET STORAGE {mode}")
    if os.environ.get("BENCH_CITUS") == "1":  # after SET STORAGE, which Citus then refuses
        from hostore.models import _citus

        # what `migrate` does for the stores (DISTRIBUTE_BY); the floors and plain Django
        # declare it too, so that every table is distributed the same way
        for model in [*STORES.values(), *FLOORS.values(), PlainReading]:
            _citus.distribute(model, connection.alias)


def shard_spread(model) -> list[dict]:
    """Rows, shards and bytes of a distributed table on each worker (Citus)."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.nodename || ':' || s.nodeport, count(*), sum(s.shard_size), "
            "sum(r.result::bigint) FROM citus_shards s JOIN run_command_on_placements("
            "%s, 'SELECT count(*) FROM %%s') r ON r.shardid = s.shardid "
            "WHERE s.table_name = %s::regclass GROUP BY 1 ORDER BY 1",
            [table, table],
        )
        return [
            {"worker": w, "shards": int(n), "bytes": int(b), "rows": int(r)}
            for w, n, b, r in cursor.fetchall()
        ]


def empty(model) -> None:
    """Remove every row of ``model``'s table (TRUNCATE on PostgreSQL)."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table}")


def analyze(models) -> None:
    """Refresh the planner statistics, as autovacuum would after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def table_bytes(model) -> int:
    """Bytes on disk of a table with its indexes (and TOAST on PostgreSQL).

    PostgreSQL: ``pg_total_relation_size``; SQLite: the pages of the table's b-trees and of
    its indexes' (``dbstat``), or the whole file if SQLite lacks ``dbstat``.
    """
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and os.environ.get("BENCH_CITUS") == "1":
            cursor.execute("SELECT citus_total_relation_size(%s::regclass)", [table])
            return int(cursor.fetchone()[0])
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
            return int(cursor.fetchone()[0])
        try:
            cursor.execute(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                [table],
            )
            return int(cursor.fetchone()[0])
        except Exception:
            return os.path.getsize(connection.settings_dict["NAME"])


def round_trip(samples: int = 500) -> float:
    """Median seconds of a prepared ``SELECT 1`` on the benchmark's connection: what any
    read that waits for the database costs at least (a one-day window read included)."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        import psycopg

        cursor = psycopg.Cursor(raw)
        options = {"prepare": True}
    else:
        cursor, options = raw.cursor(), {}
    times = []
    try:
        for _ in range(samples):
            started = perf_counter()
            cursor.execute("SELECT 1", **options)
            cursor.fetchall()
            times.append(perf_counter() - started)
    finally:
        cursor.close()
    return statistics.median(times)


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            name = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
            if os.environ.get("BENCH_CITUS") == "1":
                cursor.execute(
                    "SELECT extversion, (SELECT count(*) FROM citus_get_active_worker_nodes()) "
                    "FROM pg_extension WHERE extname = 'citus'"
                )
                version, workers = cursor.fetchone()
                name += f" + Citus {version}, {workers} workers"
            return name
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def run_worker(vendor: str, phase: str, args: list[str]) -> dict:
    """Run ``python -m bench.<phase> ARGS --out FILE`` against a fresh database of its own
    (PostgreSQL: ``$BENCH_PG_DB`` or ``hostore_bench``, suffixed ``_<phase>``) and return
    the JSON it wrote."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    previous = os.environ.get("BENCH_PG_DB")
    os.environ["BENCH_PG_DB"] = f"{previous or BENCH_DB_NAME}_{phase}"  # read by database()
    try:
        with (
            tempfile.TemporaryDirectory(prefix=f"hostore_{phase}_") as tmp,
            database(vendor) as env,
        ):
            out = os.path.join(tmp, f"{phase}.json")
            command = [sys.executable, "-m", f"bench.{phase}", *args, "--out", out]
            repo = Path(__file__).resolve().parent.parent
            done = subprocess.run(command, env={**os.environ, **env}, cwd=repo)
            if done.returncode:
                raise SystemExit(f"the {vendor} {phase} benchmark failed ({done.returncode})")
            return json.loads(Path(out).read_text())
    finally:
        if previous is None:
            os.environ.pop("BENCH_PG_DB")
        else:
            os.environ["BENCH_PG_DB"] = previous

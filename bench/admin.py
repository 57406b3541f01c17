"""The admin phase (``--phases admin``): how long the series change list of a
``TimeseriesChunkStore`` takes to open, against what holcstore 0.6.7 users see (Django's
default ``ModelAdmin`` change list over the chunk rows, with the same filter and search).

The store is the test project's ``HourlyStore`` (keys ``version``, ``kind``) holding N series
(100,000 by default, 200 with ``--quick``) of 48 hourly values across a month end, so two
chunk rows each: ``version = i % 10``, ``kind = "k<i>"``. A worker process (its own
database: ``<base>_admin`` on PostgreSQL, where ``base`` is ``hostore_bench`` or
``$BENCH_PG_DB``; a temporary file on SQLite) makes the admin's and the store's tables of the
test project, writes the series
with ``set_many_ts``, then times three GETs through Django's test client, logged in as a
superuser, on both sides: the first page, a filtered page (``?version=3``) and a search
(``?q=k<N-1>``, the last series: a term no other kind contains). Every page is checked
before its time counts (the lines shown, their values count). Times are the median over the
repeats; ``x default`` is the default change list's time / the series list's (how many
times faster).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

REPO = Path(__file__).resolve().parents[1]
PAGES = {"first page": {}, "filtered": {"version": "3"}, "search": {"q": None}}  # q: the last
SIDES = ("series", "default")
LABELS = {"series": "TimeseriesChunkStoreAdmin", "default": "default ModelAdmin (chunk rows)"}
POINTS = 48
urlpatterns: list = []  # the worker's URLs (ROOT_URLCONF = "bench.admin"), set by _urls()


# ---------------------------------------------------------------------- worker side
def _urls() -> None:
    """The test project's admin (ours) at /admin/, the default one at /default/."""
    from django.contrib import admin
    from django.urls import clear_url_caches, path

    from tests.testapp.models import HourlyStore

    class DefaultChunkAdmin(admin.ModelAdmin):  # what holcstore 0.6.7 users register
        list_display = ("version", "kind", "chunk_index", "start_ts", "dtype", "updated_at")
        list_filter = ("version",)
        search_fields = ("kind",)

    site = admin.AdminSite(name="default")
    site.register(HourlyStore, DefaultChunkAdmin)
    urlpatterns[:] = [path("admin/", admin.site.urls), path("default/", site.urls)]
    clear_url_caches()


def _tables(call_command, connection) -> None:
    """The admin's tables (migrations of auth, sessions, admin) and the store's, made as
    ``migrate`` makes it (the test project's other stores would take most of the run)."""
    from hostore.models import _changes
    from hostore.models._storage import prefer_external_storage
    from tests.testapp.models import HourlyStore

    for app in ("hostore", "contenttypes", "auth", "sessions", "admin"):
        call_command("migrate", app, verbosity=0)
    with connection.schema_editor() as editor:
        editor.create_model(HourlyStore)
    _changes.install(connection)
    prefer_external_storage(HourlyStore, connection.alias)


def _populate(n: int, log) -> None:
    import numpy as np
    import pandas as pd

    from tests.testapp.models import HourlyStore

    idx = pd.date_range("2024-01-31", periods=POINTS, freq="h", tz="Europe/Paris")
    values = np.arange(POINTS, dtype=float)
    batch = 5000
    started = perf_counter()
    for lo in range(0, n, batch):
        mapping = {
            (i % 10, f"k{i}"): pd.Series(values + i, idx) for i in range(lo, min(n, lo + batch))
        }
        HourlyStore.set_many_ts(mapping, keys=("version", "kind"))
    log(f"wrote {n:,} series ({2 * n:,} chunk rows) in {perf_counter() - started:.0f} s")


def _check(side: str, page: str, content: str, n: int) -> None:
    if side == "series":
        lines = content.count('class="hostore-line"')
        want = {"first page": min(100, n), "filtered": min(100, n // 10), "search": 1}[page]
    else:  # chunk rows: two per series
        lines = content.count('class="action-checkbox"')
        want = {"first page": min(100, 2 * n), "filtered": min(100, 2 * (n // 10)), "search": 2}
        want = want[page]
    if lines != want:
        raise SystemExit(f"{side} {page}: {lines} lines shown, expected {want}")
    if side == "series" and f'<td class="hostore-values">{POINTS}</td>' not in content:
        raise SystemExit(f"{side} {page}: the lines do not count {POINTS} values")


def worker(n: int, repeat: int, out: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    log = lambda m: print(f"[{connection.vendor} admin N={n}] {m}", flush=True)  # noqa: E731
    _tables(call_command, connection)
    settings.ROOT_URLCONF = "bench.admin"
    _urls()
    _populate(n, log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a table in service has
    client = Client()
    client.force_login(User.objects.create_superuser("bench", "b@example.org", "pw"))
    prefixes = {"series": "/admin/testapp/hourlystore/", "default": "/default/testapp/hourlystore/"}
    runs: dict[str, dict[str, list[float]]] = {p: {s: [] for s in SIDES} for p in PAGES}
    pages = {p: (params if params.get("q", "") is not None else {"q": f"k{n - 1}"})
             for p, params in PAGES.items()}  # fmt: skip
    for r in range(repeat + 1):  # the first round warms the caches, uncounted
        for page, params in pages.items():
            for side in SIDES if r % 2 == 0 else SIDES[::-1]:
                started = perf_counter()
                response = client.get(prefixes[side], params)
                seconds = perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"{side} {page}: HTTP {response.status_code}")
                _check(side, page, response.content.decode(), n)
                if r:
                    runs[page][side].append(seconds)
    with open(out, "w") as f:
        json.dump({"runs": runs, "server": _server(connection)}, f)


def _server(connection) -> str:
    if connection.vendor == "postgresql":
        return f"PostgreSQL {connection.pg_version // 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


# ---------------------------------------------------------------------- command side
def run(vendor: str, n: int, repeat: int, log: Callable[[str], None]) -> dict:
    """The phase on one database vendor, in a worker process on a database of its own."""
    from .db import BENCH_DB_NAME, database

    started = perf_counter()
    previous = os.environ.get("BENCH_PG_DB")
    os.environ["BENCH_PG_DB"] = f"{previous or BENCH_DB_NAME}_admin"  # read by db.database
    try:
        with tempfile.TemporaryDirectory(prefix="hostore_admin_") as tmp, database(vendor) as env:
            url = env.get("BENCH_PG_URL") or f"sqlite:///{tmp}/admin.sqlite3"
            out = os.path.join(tmp, "admin.json")
            command = [sys.executable, "-m", "bench.admin", "--n", str(n)]
            command += ["--repeat", str(repeat), "--out", out]
            worker_env = {**os.environ, "DATABASE_URL": url}
            worker_env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
            done = subprocess.run(command, env=worker_env, cwd=REPO)
            if done.returncode:
                raise SystemExit(f"the {vendor} admin benchmark failed ({done.returncode})")
            with open(out) as f:
                found = json.load(f)
    finally:
        if previous is None:
            os.environ.pop("BENCH_PG_DB")
        else:
            os.environ["BENCH_PG_DB"] = previous
    result = {
        "kind": "admin",
        "db": vendor,
        "server": found["server"],
        "n": n,
        "repeat": repeat,
        "labels": LABELS,
        "runs": found["runs"],
        "wall_seconds": perf_counter() - started,
    }
    log(f"[{vendor} admin N={n}] done in {result['wall_seconds']:.0f} s")
    return result


def render(results: list[dict]) -> str:
    """A table per database: median seconds per page and side, and the ratio."""
    from .report import table

    parts = []
    for result in results:
        rows = []
        for page, by_side in result["runs"].items():
            ours = statistics.median(by_side["series"])
            base = statistics.median(by_side["default"])
            rows.append([page, f"{ours * 1000:.1f}", f"{base * 1000:.1f}", f"{base / ours:.1f}"])
        title = (
            f"{result['server']}, admin change list of a chunk store: {result['n']:,} series "
            f"({2 * result['n']:,} chunk rows), median of {result['repeat']}"
        )
        parts += [
            "",
            f"== {title} ==",
            table(["GET", "series list ms", "default list ms", "x default"], rows),
        ]
    return "\n".join(parts)


def save(results: list[dict], started: str) -> list[str]:
    """``bench/results/<date>_<db>_admin_n<N>.json`` per database."""
    from .report import save_phase

    return save_phase(results, started, "admin")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="worker of the admin phase (see bench.admin)")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    from bench.admin import worker as run_worker  # the module ROOT_URLCONF names, not __main__

    run_worker(options.n, options.repeat, options.out)

"""Tables of holcstore 0.5.12 and 0.6.7 work in place with ours, and back.

The three key:value stores (``Store``, ``TimeseriesStore``, ``DataFrameStore``) of one Django
project (``tables/``: the same model code under every release) on one database, SQLite or
PostgreSQL (that of this pytest pass), written by both sides in turn, each side in its own
process and venv (the releases in ``.venvs/holcstore-<release>-pg``, never imported here):

1. the release creates its tables (its own ``makemigrations`` and ``migrate``) and writes
   curves (versions, a user field set through ``attributes_to_set``, NaN, both clock changes
   of Paris, UTC, naive, int64 and float32 values), series and frames, then dumps them;
2. ours runs the user's ``makemigrations`` (the migration it writes is checked: the blob
   index and unique constraint of the series go, the frames' constraint is renamed, nothing
   else) and ``migrate``, reads every row as the release did, then updates and adds rows;
3. the release reads every row again, ours included, as ours does; writes once more (a
   fleet upgraded one deployment at a time), and ours reads that too.

Every dump is also compared with what the writes must have left (:mod:`tables.expected`).
0.5.12 runs twice: with pandas 2.2 and with pandas 2.1, whose curves have the older Feather
layout (the index as a leading ``index`` column). 0.5.x has no DataFrameStore.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from .legacy_env import ensure_env
from .tables.expected import Expected, same

DRIVER = Path(__file__).resolve().parent / "tables" / "driver.py"
# the venvs of the releases, and whether the release has a DataFrameStore
RELEASES = {"0.6.7-pg": True, "0.5.12-pg": False, "0.5.12-pd21-pg": False}
_PRIVATE_ENV = ("PYTHONPATH", "PYTHONHOME", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "VIRTUAL_ENV")


def paris(start: str, periods: int, **extra) -> dict:
    return {"start": start, "periods": periods, "freq": "30min", **extra}


def hourly(start: str, periods: int, **extra) -> dict:
    return {"start": start, "periods": periods, "freq": "1h", **extra}


def release_writes(frames: bool) -> list[dict]:
    """Step 1. Series stay small: 0.5/0.6's blob index refuses blobs over 2,704 bytes on
    PostgreSQL (about 100 points)."""
    curves = [
        *(
            {"op": "set_lc", "store": "curves", "prm": "p-versions", "client_id": 1,
             "serie": spec, "versionning": True}
            for spec in (
                paris("2024-03-30 12:00", 96, nan=[[10, 14]]),  # over the spring change
                paris("2024-03-31 00:00", 48, seed=2, nan=[[0, 3]]),
                paris("2024-03-31 06:00", 12, seed=3),
            )
        ),
        {"op": "set_lc", "store": "curves", "prm": "p-int", "client_id": 1,
         "serie": hourly("2024-03-30", 48, tz="UTC", dtype="int64")},
        {"op": "set_lc", "store": "curves", "prm": "p-autumn", "client_id": 1,
         "serie": paris("2024-10-26 12:00", 100, seed=4, nan=[[50, 51]])},
        {"op": "set_lc", "store": "curves", "prm": "p-naive", "client_id": 1,
         "serie": paris("2024-03-31", 20, tz=None, seed=5)},
        {"op": "set_lc", "store": "curves", "prm": "p-f32", "client_id": 1,
         "serie": paris("2024-03-30 23:00", 48, seed=6, dtype="float32", nan=[[5, 6]])},
        {"op": "set_lc", "store": "curves", "prm": "p-versions", "client_id": 2,
         "serie": paris("2024-03-30", 10, seed=7)},
        {"op": "set_many_lc", "store": "curves", "client_id": 2, "series": {
            "m1": paris("2024-03-30", 30, seed=8), "m2": hourly("2024-03-31", 23, seed=9),
            "m3": paris("2024-03-30", 5, nan=[[0, 5]]),  # all NaN: skipped
        }},
        *(
            {"op": "set_lc", "store": "year_curves", "prm": "y1", "client_id": 1,
             "serie": paris(f"{year}-03-31", 46, seed=year), "versionning": True,
             "attributes_to_set": {"year": year}}
            for year in (2023, 2024)
        ),
        {"op": "set_lc", "store": "year_curves", "prm": "y2", "client_id": 1,
         "serie": hourly("2024-10-27", 25, seed=10), "attributes_to_set": {"year": 2024}},
    ]  # fmt: skip
    series = [
        {"op": "set_ts", "store": "series", "attrs": {"year": 2024, "kind": "dst"},
         "serie": hourly("2024-03-31", 23, seed=11)},
        {"op": "set_ts", "store": "series", "attrs": {"year": 2024, "kind": "autumn"},
         "serie": hourly("2024-10-27", 25, seed=12, nan=[[2, 3]])},
        {"op": "set_ts", "store": "series", "attrs": {"year": 2023, "kind": "int"},
         "serie": hourly("2023-06-01", 24, tz="UTC", dtype="int64")},
        {"op": "set_ts", "store": "series", "attrs": {"year": 2024, "kind": "upd"},
         "serie": hourly("2024-01-01", 16, seed=13)},
        {"op": "set_ts", "store": "series", "attrs": {"year": 2024, "kind": "upd"},
         "serie": hourly("2024-01-01 12:00", 8, seed=14, nan=[[0, 2]]), "update": True},
    ]  # fmt: skip
    frame_ops = [
        {"op": "update_or_create_df", "store": "frames", "client_id": 1, "key": "prices",
         "frame": {"rows": 30, "start": "2024-10-26 22:00", "attrs": {"unit": "EUR/MWh"}},
         "meta": {"source": "spot", "rev": 1}},
        {"op": "update_or_create_df", "store": "frames", "client_id": 1, "key": "flat",
         "frame": {"rows": 12, "start": "2024-03-30 23:00", "seed": 2}, "store_index": False},
        {"op": "update_or_create_df", "store": "frames", "client_id": 2, "key": "prices",
         "frame": {"rows": 5, "start": None, "seed": 3}, "meta": {"source": "otc"}},
    ]  # fmt: skip
    return curves + series + (frame_ops if frames else [])


def our_writes(frames: bool) -> list[dict]:
    """Step 2: updates of the release's rows, new rows, a deletion."""
    curves = [
        {"op": "set_lc", "store": "curves", "prm": "p-versions", "client_id": 1,
         "serie": paris("2024-03-31 01:00", 20, seed=20, nan=[[3, 4]]), "versionning": True},
        {"op": "set_lc", "store": "curves", "prm": "p-int", "client_id": 1,
         "serie": hourly("2024-03-30 12:00", 48, tz="UTC", dtype="int64", seed=21)},
        {"op": "set_many_lc", "store": "curves", "client_id": 1, "series": {
            "p-autumn": paris("2024-10-27", 50, seed=22),
            "p-new1": paris("2024-03-30", 96, seed=23, nan=[[40, 60]]),
            "p-new2": hourly("2024-03-31", 23, seed=24, dtype="int64"),
        }},
        {"op": "clear", "store": "curves", "prms": ["p-naive"], "client_id": 1},
        {"op": "set_many_lc", "store": "curves", "client_id": 2, "versionning": True,
         "series": {"m1": paris("2024-03-30 06:00", 10, seed=25), "m4": paris("2024-03-31", 4)}},
        {"op": "set_lc", "store": "year_curves", "prm": "y1", "client_id": 1,
         "serie": paris("2025-03-30", 46, seed=26), "versionning": True,
         "attributes_to_set": {"year": 2025}},
        {"op": "set_lc", "store": "year_curves", "prm": "y2", "client_id": 1,
         "serie": hourly("2024-10-27 03:00", 10, seed=27), "attributes_to_set": {"year": 2024}},
    ]  # fmt: skip
    series = [
        {"op": "set_ts", "store": "series", "attrs": {"year": 2024, "kind": "dst"},
         "serie": hourly("2024-03-31 12:00", 24, seed=28, nan=[[0, 3]]), "update": True},
        {"op": "set_ts", "store": "series", "attrs": {"year": 2024, "kind": "autumn"},
         "serie": hourly("2024-10-27 01:00", 5, seed=29), "replace": True},
        # a year at 30 min: what 0.5/0.6's blob index refused on PostgreSQL
        {"op": "set_ts", "store": "series", "attrs": {"year": 2023, "kind": "big"},
         "serie": paris("2023-01-01", 17520, seed=30, nan=[[100, 200]])},
    ]  # fmt: skip
    frame_ops = [
        {"op": "update_or_create_df", "store": "frames", "client_id": 1, "key": "prices",
         "frame": {"rows": 40, "start": "2024-10-27", "seed": 31, "attrs": {"unit": "EUR"}},
         "meta": {"source": "spot", "rev": 2}},
        {"op": "update_or_create_df", "store": "frames", "client_id": 1, "key": "new",
         "frame": {"rows": 7, "start": None, "seed": 32}, "meta": {"by": "ours"}},
    ]  # fmt: skip
    return curves + series + (frame_ops if frames else [])


def mixed_writes(frames: bool) -> list[dict]:
    """Step 3: the release writes over rows ours wrote, after our migration."""
    ops = [
        {"op": "set_lc", "store": "curves", "prm": "p-new1", "client_id": 1,
         "serie": paris("2024-03-30 10:00", 10, seed=40), "versionning": True},
        {"op": "set_lc", "store": "curves", "prm": "m4", "client_id": 2,
         "serie": paris("2024-03-31", 6, seed=41)},
        {"op": "set_lc", "store": "year_curves", "prm": "y1", "client_id": 1,
         "serie": paris("2026-03-29", 46, seed=42), "versionning": True,
         "attributes_to_set": {"year": 2026}},
        {"op": "set_ts", "store": "series", "attrs": {"year": 2023, "kind": "big"},
         "serie": paris("2023-12-31", 96, seed=43), "update": True},
        {"op": "set_ts", "store": "series", "attrs": {"year": 2025, "kind": "late"},
         "serie": paris("2025-10-26", 500, seed=44)},
    ]  # fmt: skip
    if frames:
        ops.append(
            {"op": "update_or_create_df", "store": "frames", "client_id": 1, "key": "new",
             "frame": {"rows": 3, "start": "2025-01-01", "seed": 45}, "meta": {"by": "0.x"}}
        )  # fmt: skip
    return ops


# --------------------------------------------------------------------------- processes
def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1"}


class Side:
    """Runs ``tables/driver.py`` with one interpreter on the project's database."""

    def __init__(self, name: str, python, db: str, workdir: Path, frames: bool) -> None:
        self.name, self.python, self.db, self.workdir = name, str(python), db, workdir
        self.side = "ours" if name == "ours" else "legacy"
        self.options = ["--migrations", str(workdir / "tables_migrations")]
        self.options += ["--frames"] if frames else []

    def run(self, *commands: list[str]) -> list[dict]:
        """Commands in one process; their JSON results, in order."""
        words: list[str] = []
        for command in commands:
            words += ["+", *command] if words else list(command)
        argv = [self.python, str(DRIVER), "--side", self.side, "--db", self.db, *self.options]
        done = subprocess.run(
            [*argv, *words],
            cwd=self.workdir,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            raise AssertionError(
                f"{self.name} failed ({done.returncode}): {' '.join(words)}\n{done.stderr[-6000:]}"
            )
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    def spec(self, name: str, operations: list[dict]) -> list[str]:
        (self.workdir / name).write_text(json.dumps(operations))
        return ["write", name]

    def read(self, name: str) -> dict:
        dump = json.loads((self.workdir / name).read_text())
        return {k: v for k, v in dump.items() if k not in ("hostore", "pandas")}


def _pg_url(settings_dict: dict, name: str) -> str:
    auth = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        auth += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth + '@' if auth else ''}{host}{port}/{name}"


@contextlib.contextmanager
def project_database(tmp_path: Path, tag: str):
    """The project's database, new and empty, on this pass's vendor; dropped at the end.
    PostgreSQL: ``test_tables_<tag>_<pid>`` on the server of the test settings."""
    if connection.vendor == "sqlite":
        yield str(tmp_path / "tables.sqlite3")
        return
    import psycopg

    server = settings.DATABASES["default"]
    name = f"test_tables_{tag.replace('.', '_').replace('-', '_')}_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with psycopg.connect(_pg_url(server, "postgres"), autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(server, name)
    finally:
        with psycopg.connect(_pg_url(server, "postgres"), autocommit=True) as admin:
            admin.execute(drop)


# --------------------------------------------------------------------------- checks
def _ops(result: dict) -> set[tuple]:
    """(operation, model, index or constraint name) of a makemigrations result."""
    out = set()
    for op in result["operations"]:
        named = op.get("index") or op.get("constraint") or {}
        out.add((op["op"], op["model"], op.get("name") or named.get("name")))
    return out


def _by_columns(table: list[dict]) -> dict[tuple, list[dict]]:
    out: dict[tuple, list[dict]] = {}
    for entry in table:
        out.setdefault(tuple(entry["columns"]), []).append(entry)
    return out


def _check_release_schema(schema: dict, frames: bool) -> None:
    """0.5/0.6's schema: a unique constraint and an index on the series' blob."""
    series = _by_columns(schema["tables"]["series"])
    assert {e["unique"] for e in series[("data",)]} == {True, False}
    assert [e["unique"] for e in series[("year", "kind")]] == [True]
    if frames:
        unique = [e for e in schema["tables"]["frames"] if e["unique"]]
        assert [(e["name"], e["columns"]) for e in unique] == [
            ("unique_client_key", ["client_id", "key"])
        ]


def _check_our_schema(schema: dict, frames: bool) -> None:
    """After our migration: no blob index or constraint; every other key kept."""
    tables = schema["tables"]
    for store in ("curves", "year_curves"):
        found = _by_columns(tables[store])
        model = store.replace("_", "")
        unique = found[("prm", "client_id", "version")]
        assert [(e["unique"], e["name"]) for e in unique] == [
            (True, f"tables_site_{model}_prm_clientid_version")
        ]
        assert [e["unique"] for e in found[("prm", "client_id")]] == [False]
    series = _by_columns(tables["series"])
    assert ("data",) not in series
    assert [e["unique"] for e in series[("year", "kind")]] == [True]
    if frames:
        unique = [e for e in tables["frames"] if e["unique"]]
        assert [(e["name"], e["columns"]) for e in unique] == [
            ("tables_site_frames_client_key", ["client_id", "key"])
        ]


# --------------------------------------------------------------------------- the test
@pytest.mark.parametrize("release", list(RELEASES))
def test_tables_of_a_release_work_in_place(release, tmp_path):
    frames = RELEASES[release]
    (tmp_path / "tables_migrations").mkdir()
    (tmp_path / "tables_migrations" / "__init__.py").write_text("")
    expected = Expected()
    with project_database(tmp_path, release) as db:
        old = Side(release, ensure_env(release), db, tmp_path, frames)
        ours = Side("ours", sys.executable, db, tmp_path, frames)

        # 1. the release creates its tables and writes
        initial, migrated, schema, _, _ = old.run(
            ["makemigrations"],
            ["migrate"],
            ["schema"],
            old.spec("release.json", release_writes(frames)),
            ["dump", "d1.json"],
        )
        assert initial["created"] == ["0001_initial.py"]
        assert "tables_site.0001_initial" in migrated["applied"]
        assert "hostore.0009_delete_testdatastore_and_more" in migrated["applied"]
        _check_release_schema(schema, frames)
        first = old.read("d1.json")
        expected.apply(release_writes(frames), release=True).check(first, frames)
        old_layout = release == "0.5.12-pd21-pg"  # pandas < 2.2: the index as a column
        for store in ("curves", "year_curves", "series"):
            assert {r["blob"]["old_layout"] for r in first[store]["rows"].values()} == {old_layout}

        # 2. ours: the user's makemigrations and migrate, reads, then writes
        made, check, migrated, schema, _, _, _ = ours.run(
            ["makemigrations"],
            ["check"],
            ["migrate"],
            ["schema"],
            ["dump", "d2.json"],
            ours.spec("ours.json", our_writes(frames)),
            ["dump", "d3.json"],
        )
        data_index = next(
            op["index"]["name"]
            for op in initial["operations"]
            if op["op"] == "AddIndex" and op["index"]["fields"] == ["data"]
        )
        want = {
            ("RemoveIndex", "series", data_index),
            ("RemoveConstraint", "series", "tables_site_series_data_orig_ctn"),
        }
        if frames:
            want |= {
                ("RemoveConstraint", "frames", "unique_client_key"),
                ("AddConstraint", "frames", "tables_site_frames_client_key"),
            }
        assert len(made["created"]) == 1 and _ops(made) == want, made
        assert check["changes"] is False
        assert sorted(migrated["applied"]) == [
            "hostore.0010_sync_state",
            f"tables_site.{made['created'][0][:-3]}",
        ]
        _check_our_schema(schema, frames)
        same(ours.read("d2.json"), first, "ours reading the release's rows")
        third = ours.read("d3.json")
        expected.apply(our_writes(frames)).check(third, frames)
        for store in ("curves", "year_curves", "series"):
            layouts = {r["blob"]["old_layout"] for r in third[store]["rows"].values()}
            assert False in layouts  # our rows: the index through pandas metadata
        if frames:
            compressions = {tuple(r["compression"]) for r in third["frames"]["rows"].values()}
            assert compressions == {("ZSTD",)}

        # 3. the release reads every row, ours included, then writes over ours' rows
        old.run(
            ["dump", "d4.json"],
            old.spec("mixed.json", mixed_writes(frames)),
            ["dump", "d5.json"],
        )
        same(old.read("d4.json"), third, f"{release} reading the rows after ours wrote")
        fifth = old.read("d5.json")
        expected.apply(mixed_writes(frames), release=True).check(fifth, frames)
        ours.run(["dump", "d6.json"])
        same(ours.read("d6.json"), fifth, f"ours reading what {release} wrote after ours")

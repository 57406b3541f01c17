"""The per-chunk statistics stay right when holcstore 0.6.7 keeps writing the same chunk
table in place (a fleet upgraded one deployment at a time).

0.6.7 rewrites a chunk on ``set_ts(update=True)`` with a plain ``save()``: an ``UPDATE`` of
its own columns (``data``, ``dtype``, ``start_ts``, ``is_deleted`` and ``updated_at =
now()``) that leaves our statistics columns as they were. Ours must then see that they no
longer hold (``stat_at`` differs from ``updated_at``) and decode the chunk instead.

1. 0.6.7 creates its tables and writes two series (rows without statistics);
2. ours adds its columns (the user's migration) and answers: every row is decoded;
3. ours updates the series (rows with statistics) and answers again;
4. 0.6.7 updates a chunk ours wrote, filling part of a gap: ours sees its statistics are
   stale, and its answers still equal pandas on ``get_many_ts``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .legacy_env import ensure_env
from .test_tables_in_place import _clean_env, project_database

HERE = Path(__file__).resolve().parent
LEGACY_DRIVER = HERE / "legacy" / "driver.py"
OURS = HERE / "legacy" / "stats_ours.py"


def half_hours(start: str, periods: int, **extra) -> dict:
    return {"start": start, "periods": periods, "freq": "30min", **extra}


def _run(argv: list[str], cwd: Path) -> dict:
    done = subprocess.run(
        argv, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise AssertionError(f"{' '.join(argv[:4])} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_statistics_stay_right_when_067_rewrites_a_chunk(tmp_path):
    legacy = str(ensure_env("0.6.7-pg"))
    with project_database(tmp_path, "stats-067") as db:

        def old(*words: str) -> dict:
            return _run([legacy, str(LEGACY_DRIVER), "--db", db, *words], tmp_path)

        def ours(*words: str) -> dict:
            return _run([sys.executable, str(OURS), "--db", db, *words], tmp_path)

        def spec(name: str, ops: list[dict]) -> str:
            (tmp_path / name).write_text(json.dumps(ops))
            return str(tmp_path / name)

        def answers(name: str) -> dict:
            ours("check", str(tmp_path / name))
            found = json.loads((tmp_path / name).read_text())
            for question in ("coverage", "holes", "total_ts", "aggregate_ts"):
                assert found[question]["equal"], (question, found[question])
            return found["rows"]

        # 1. 0.6.7 writes (replace=True: 0.6.7 refuses plain writes on a synced store)
        old("migrate")
        first = [
            {"op": "set_ts", "store": "halfhourly", "attrs": {"meter": "m1"}, "replace": True,
             "serie": half_hours("2024-01-30", 48 * 40, gaps=[[100, 150], [1500, 1600]])},
            {"op": "set_ts", "store": "halfhourly", "attrs": {"meter": "m2"}, "replace": True,
             "serie": half_hours("2024-03-30", 96, seed=2, gaps=[[10, 12]])},
        ]  # fmt: skip
        old("apply", spec("first.json", first))

        # 2. ours migrates: every row lacks statistics, and is decoded
        assert "stat_at" in ours("migrate")["added"]
        rows = answers("a1.json")
        release_rows = rows["stale"]
        assert len(release_rows) == rows["live"] >= 4

        # 3. ours updates every chunk of m1: statistics written
        ours_ops = [
            {"attrs": {"meter": "m1"}, "update": True,
             "serie": half_hours("2024-02-10", 4, seed=4)},
            {"attrs": {"meter": "m1"}, "update": True,
             "serie": half_hours("2024-01-31", 4, seed=5)},
            {"attrs": {"meter": "m1"}, "update": True,
             "serie": half_hours("2024-03-05", 4, seed=6)},
        ]  # fmt: skip
        ours("write", spec("ours.json", ours_ops))
        rows = answers("a2.json")
        rows_before = rows["stale"]
        ours_rows = [["m1", 24288], ["m1", 24289], ["m1", 24290]]  # Jan, Feb, Mar 2024
        assert rows["stale"] == [r for r in release_rows if r not in ours_rows]

        # 4. 0.6.7 fills part of m1's February gap: it rewrites that chunk in place
        refill = [
            {"op": "set_ts", "store": "halfhourly", "attrs": {"meter": "m1"}, "update": True,
             "serie": half_hours("2024-02-01 04:00", 10, seed=7)},
        ]  # fmt: skip
        old("apply", spec("refill.json", refill))
        rows = answers("a3.json")
        assert rows["stale"] == sorted([["m1", 24289], *rows_before])

"""``python -m bench.load --db sqlite|postgres|both -k K -t SECONDS [--no-save]``.

Creates an empty database (PostgreSQL: ``$BENCH_PG_DB`` or ``hostore_bench_load``, dropped
at the end; SQLite: a file in a temporary directory), seeds the shared and own series, runs
K worker processes for T seconds, prints the table and every failure, then checks that
every acknowledged write is stored.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

from . import OPS, expected_values, missing_acks, percentile, render, summary


def seed(k: int) -> list[list]:
    """Create the tables and the shared and own series; return their acks."""
    from django.db import connection

    from bench import db

    from .models import LoadSeries
    from .worker import BASE, SHARED, SHARED_BASE, ack, serie

    db.create_tables()
    with connection.schema_editor() as editor:
        editor.create_model(LoadSeries)
    acks = []
    for name in SHARED:
        LoadSeries.set_ts({"group": -1, "name": name}, serie(SHARED_BASE, 48, -1.0, 0.0))
        acks.append(ack(-1, name, SHARED_BASE, 48, -1.0, 0.0))
    for index in range(k):
        LoadSeries.set_ts({"group": index, "name": "own"}, serie(BASE, 1440, 0.0, 1.0))
        acks.append(ack(index, "own", BASE, 1440, 0.0, 1.0))
    connection.close()
    return acks


def go(folder: str, outs: list[str], procs: list) -> None:
    """Wait until every worker has set Django up, then give them one start time."""
    while not all(os.path.exists(f"{out}.ready") for out in outs):
        if any(p.poll() not in (None, 0) for p in procs):
            raise SystemExit("a worker failed before the start")
        time.sleep(0.05)
    tmp = os.path.join(folder, "go.tmp")
    with open(tmp, "w") as f:
        f.write(str(time.time() + 0.5))
    os.replace(tmp, os.path.join(folder, "go"))


def stored(read_all) -> dict:
    return {(attrs["group"], attrs["name"]): s for s, attrs in read_all({})}


def run_one(vendor: str, k: int, seconds: float) -> dict:
    from bench import db

    os.environ.setdefault("BENCH_PG_DB", "hostore_bench_load")
    with db.database(vendor) as env, tempfile.TemporaryDirectory() as folder:
        os.environ.update(env)
        db.setup_django()
        acks = seed(k)
        outs = [os.path.join(folder, f"{i}.json") for i in range(k)]
        worker = [sys.executable, "-m", "bench.load.worker", "--k", str(k)]
        procs = [
            subprocess.Popen(
                [*worker, "--index", str(i), "--seconds", str(seconds), "--out", outs[i]],
                env=os.environ | env,
            )
            for i in range(k)
        ]
        go(folder, outs, procs)
        codes = [p.wait() for p in procs]
        if any(codes):
            raise SystemExit(f"a worker failed: exit codes {codes}")
        parts = []
        for path in outs:
            with open(path) as saved:
                parts.append(json.load(saved))
        latencies = {op: [t for p in parts for t in p["latencies"][op]] for op in OPS}
        failures = [f for p in parts for f in p["failures"]]
        for part in parts:
            acks.extend(part["acks"])
        from .models import LoadSeries

        series = stored(LoadSeries.yield_many_ts)
        problems = missing_acks(expected_values(acks), lambda g, n: series.get((g, n)))
        result = {
            "db": vendor,
            "server": db.server_version(),
            "n": k,
            "k": k,
            "seconds": seconds,
            "latencies": latencies,
            "failures": failures,
            "acks": len(acks),
            "ack_problems": problems,
        }
        from django.db import connection

        connection.close()
        return result


def report(result: dict) -> str:
    counts: dict[str, int] = {}
    for failure in result["failures"]:
        counts[failure["op"]] = counts.get(failure["op"], 0) + 1
    rows = summary(result["latencies"], counts, result["seconds"])
    lines = [f"[{result['server']}] K={result['k']}, T={result['seconds']:g} s", render(rows)]
    lines += [
        f"FAILED {f['op']} (process {f['process']}): {f['error']}" for f in result["failures"]
    ]
    problems = result["ack_problems"]
    lines.append(
        f"acknowledged writes: {result['acks']}, all stored"
        if not problems
        else f"ACKNOWLEDGED WRITES NOT STORED ({len(problems)} series):"
    )
    lines += problems
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("-k", type=int, default=4, help="processes (default 4)")
    parser.add_argument("-t", type=float, default=30, help="seconds of load (default 30)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    if args.db == "both":  # Django is set up once per process: one child per database
        base = [sys.executable, "-m", "bench.load", "-k", str(args.k), "-t", str(args.t)]
        extra = ["--no-save"] if args.no_save else []
        codes = [subprocess.call([*base, "--db", v, *extra]) for v in ("sqlite", "postgres")]
        return max(codes)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    result = run_one(args.db, args.k, args.t)
    print(report(result), flush=True)
    if not args.no_save:
        from bench.report import save_phase

        saved = {key: value for key, value in result.items() if key != "latencies"}
        saved["started"] = started
        saved["ops"] = {
            op: {"calls": len(t), "p50": percentile(t, 50), "p99": percentile(t, 99)}
            for op, t in result["latencies"].items()
        }
        for path in save_phase([saved], started, "load"):
            print(f"saved {path}")
    return 1 if result["failures"] or result["ack_problems"] else 0


if __name__ == "__main__":
    sys.exit(main())

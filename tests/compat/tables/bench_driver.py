"""The benchmark's key:value phase on one side: holcstore 0.6.7 in its venv, or ours.

    python bench_driver.py --side legacy|ours --db DB CURVES.npz START END

Run by ``bench/kv.py`` once per side and repeat, on a new empty database (a SQLite file or
a PostgreSQL URL): creates the tables of the project's ``Curves`` store (``migrate
--run-syncdb``: each side's own schema), reads the curves of ``CURVES.npz`` (``meters``,
``values`` [curves x slots], the grid's ``start`` in UTC, ``freq``, ``tz``), then times three
calls of the store API, each alone (imports, set-up and checks are outside the clock):

- ``set_many_lc`` of every curve (client 1), into the empty table;
- ``get_many_lc`` of every curve;
- ``find_holes`` of every curve on the grid from START to END (ISO 8601), every 30 min.

Prints one JSON line: the seconds and the SQL statements of each call, and what the calls
gave, for the benchmark to check (untimed): the rows written, a fingerprint of each curve
read (:func:`specs.fingerprint`) and the holes of each, as nanoseconds since the epoch.
"""

from __future__ import annotations

import argparse
import json
import sys
from time import perf_counter

import driver
import numpy as np
import pandas as pd
import specs

CLIENT = 1


class Statements:
    """Counts the SQL statements run on the connection while it is installed."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _curves(path: str) -> dict[str, pd.Series]:
    with np.load(path) as data:
        meters, values = [str(m) for m in data["meters"]], data["values"]
        start, freq, tz = str(data["start"]), str(data["freq"]), str(data["tz"])
    index = pd.date_range(pd.Timestamp(start).tz_convert(tz), periods=values.shape[1], freq=freq)
    return {meter: pd.Series(row, index=index) for meter, row in zip(meters, values, strict=True)}


def _timed(call):
    """``(result, seconds, statements)`` of ``call()``."""
    from django.db import connection

    counter = Statements()
    with connection.execute_wrapper(counter):
        started = perf_counter()
        result = call()
        seconds = perf_counter() - started
    return result, seconds, counter.count


def run(args) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from tables_site.models import Curves

    call_command("migrate", run_syncdb=True, verbosity=0)
    curves = _curves(args.curves)
    meters = list(curves)
    sd, ed = pd.Timestamp(args.start), pd.Timestamp(args.end)
    seconds, statements = {}, {}

    _, seconds["set_many_lc"], statements["set_many_lc"] = _timed(
        lambda: Curves.set_many_lc(curves, CLIENT)
    )
    rows = Curves.objects.filter(client_id=CLIENT)
    written = {"rows": rows.count(), "prms": rows.values("prm").distinct().count()}
    if connection.vendor == "postgresql":  # as autovacuum would after a bulk load
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Curves._meta.db_table)}")

    got, seconds["get_many_lc"], statements["get_many_lc"] = _timed(
        lambda: Curves.get_many_lc(meters, CLIENT)
    )
    fingerprints = {}
    for meter in meters:
        entries = got.get(meter) or []
        fingerprints[meter] = [specs.fingerprint(e["data"]) for e in entries]

    found, seconds["find_holes"], statements["find_holes"] = _timed(
        lambda: list(Curves.find_holes(CLIENT, sd, ed, freq="30min", prms=meters))
    )
    holes = {
        str(prm): [[int(pd.Timestamp(a).value), int(pd.Timestamp(b).value)] for a, b in runs]
        for prm, runs in found
    }
    return {
        "seconds": seconds,
        "statements": statements,
        "written": written,
        "fingerprints": fingerprints,
        "holes": holes,
        "found": len(found),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_driver.py")
    parser.add_argument("--side", choices=["legacy", "ours"], required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("curves")
    parser.add_argument("start")
    parser.add_argument("end")
    args = parser.parse_args(argv)
    driver._setup(argparse.Namespace(db=args.db, migrations="", frames=False, side=args.side))
    import importlib.metadata

    out = {"side": args.side, "hostore": importlib.metadata.version("holcstore"), **run(args)}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
    driver.exit_without_teardown()

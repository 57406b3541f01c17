"""The file phase (``--phases files``): ``hostore_import`` and ``hostore_export`` against the
quickest code a user would write with pandas, on long CSV and Parquet files.

The workload is the realistic profile of :mod:`bench.data`: N meters x one year at 30
minutes (1,000 by default: 17.5 million rows), in the benchmark's lz4 chunk store. The
source files are written once per database by the export code (``meter,timestamp,value``,
times ISO 8601 with their offset, missing values left out). Then, per repeat and format:

- import, ours: ``call_command("hostore_import", ...)`` into the emptied store (streamed, one
  transaction, every row checked);
- import, pandas: ``pd.read_csv`` / ``pd.read_parquet`` of the whole file, ``pd.to_datetime``,
  ``groupby("meter")`` and one ``set_many_ts``;
- export, ours: ``call_command("hostore_export", ...)``;
- export, pandas: ``yield_many_ts`` into one frame per series, ``pd.concat`` and ``to_csv`` /
  ``to_parquet``.

Each measurement runs in a process of its own (``python -m bench.files OP ...``), which
reports its time and its peak resident memory above what it held before the call. Every
result is checked before its time counts: after an import the store must hold exactly the
source series; an exported file must hold exactly the stored values.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from time import perf_counter

import numpy as np
import pandas as pd

from .checks import WrongResult

SIDES = ("ours", "pandas")
FORMATS = ("csv", "parquet")
STEPS = ("import", "export")
LABELS = {"ours": "hostore_import/export", "pandas": "pandas + set_many_ts/yield_many_ts"}
QUICK_N = 10
DEFAULT_N = 1000


# ---------------------------------------------------------------------- the parent side
def _child(args: list[str], env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.files", *args], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"bench.files {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(vendor: str, n: int, repeat: int, log: Callable[[str], None]) -> dict:
    """The phase on one database vendor: ``repeat`` repeats of both sides' steps."""
    from . import db

    started = perf_counter()
    # a database of the phase's own (<base>_files), so that phases run side by side
    base = os.environ.get("BENCH_PG_DB", db.BENCH_DB_NAME)
    os.environ["BENCH_PG_DB"] = f"{base}_files"
    try:
        with db.database(vendor) as env:
            return _run(vendor, n, repeat, log, env, started)
    finally:
        os.environ["BENCH_PG_DB"] = base


def _run(vendor: str, n: int, repeat: int, log, env: dict, started: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="hostore_files_") as tmp:
        env = {**os.environ, **env}
        source = _child(["prepare", "--n", str(n), "--dir", tmp], env)
        runs = {f"{s} {f}": {side: [] for side in SIDES} for f in FORMATS for s in STEPS}
        for r in range(repeat):
            order = SIDES if r % 2 == 0 else SIDES[::-1]
            for fmt in FORMATS:
                for step in STEPS:
                    line = []
                    for side in order:
                        argv = [step, "--side", side, "--fmt", fmt, "--n", str(n), "--dir", tmp]
                        out = _child(argv, env)
                        runs[f"{step} {fmt}"][side].append(out)
                        line.append(f"{side} {out['seconds']:.1f}s {out['peak_mb']:.0f}MB")
                    log(f"repeat {r + 1}/{repeat} {step} {fmt}: " + "  ".join(line))
    return {
        "kind": "files",
        "db": vendor,
        "n": n,
        "repeat": repeat,
        "rows": source["rows"],
        "file_mb": source["file_mb"],
        "runs": runs,
        "wall_seconds": perf_counter() - started,
    }


def render(results: list[dict]) -> str:
    """One table per database: median seconds and peak memory of each side, and ratios."""
    parts = []
    for result in results:
        rows = [["step", "ours", "pandas", "x (pandas / ours)", "peak MB ours", "peak MB pandas"]]
        for key, sides in result["runs"].items():
            secs = {s: float(np.median([r["seconds"] for r in sides[s]])) for s in SIDES}
            peak = {s: float(np.median([r["peak_mb"] for r in sides[s]])) for s in SIDES}
            rows.append(
                [
                    key,
                    f"{secs['ours']:.1f} s",
                    f"{secs['pandas']:.1f} s",
                    f"{secs['pandas'] / secs['ours']:.2f}",
                    f"{peak['ours']:.0f}",
                    f"{peak['pandas']:.0f}",
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        sizes = ", ".join(f"{f} {mb:.0f} MB" for f, mb in result["file_mb"].items())
        parts += [
            "",
            f"== files, {result['db']}: {result['n']} series-years at 30 min, "
            f"{result['rows']:,} rows ({sizes}), median of {result['repeat']} ==",
        ]
        parts += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(parts)


def run_phase(args: argparse.Namespace, run_doc: dict) -> None:
    """Run the phase on every database of ``args``, print its tables and save its JSON."""
    from . import report
    from .worker import log

    n = getattr(args, "files_n", None) or (QUICK_N if args.quick else DEFAULT_N)
    results = []
    for vendor in args.dbs:
        tag = f"[{vendor} files N={n}]"
        results.append(run(vendor, n, args.repeat, lambda m, t=tag: log(f"{t} {m}")))
    print(render(results))
    if args.no_save or args.quick:
        return
    context = {k: v for k, v in run_doc.items() if k != "results"}
    for path in report.save_phase(results, run_doc["started"], "files", context):
        print(f"saved {os.path.relpath(path)}")


# ---------------------------------------------------------------------- the child side
def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _measure(call: Callable[[], None]) -> dict:
    """Seconds of ``call`` and its peak resident memory above what the process held."""
    import gc

    gc.collect()
    base = _rss_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # VmHWM restarts from the current RSS
    started = perf_counter()
    call()
    seconds = perf_counter() - started
    return {"seconds": seconds, "peak_mb": max(_rss_kb("VmHWM") - base, 0) / 1024}


def _model():
    from .models import STORES

    return STORES["lz4"]


def _expected(n: int) -> dict[str, pd.Series]:
    from .data import make_workload

    return {m: s.dropna() for m, s in make_workload("realistic", n).series.items()}


def _prepare(n: int, folder: str) -> dict:
    from hostore.files.writing import ExportOptions, export_series

    from .db import create_tables

    create_tables()
    series = _expected(n)
    rows, sizes = 0, {}
    for fmt in FORMATS:
        path = os.path.join(folder, f"source.{fmt}")
        items = ((s, {"meter": m}) for m, s in series.items())
        rows = export_series(items, path, fmt, ("meter",), ExportOptions()).rows
        sizes[fmt] = os.path.getsize(path) / 1e6
    return {"rows": rows, "file_mb": sizes}


def _pandas_import(path: str, fmt: str) -> None:
    model = _model()
    if fmt == "csv":
        frame = pd.read_csv(path)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    else:
        frame = pd.read_parquet(path)
    mapping = {
        (meter,): group.set_index("timestamp")["value"] for meter, group in frame.groupby("meter")
    }
    model.set_many_ts(mapping, ["meter"])


def _pandas_export(path: str, fmt: str) -> None:
    frames = []
    for serie, attrs in _model().yield_many_ts():
        serie = serie.dropna()
        frames.append(
            pd.DataFrame({"meter": attrs["meter"], "timestamp": serie.index, "value": serie.values})
        )
    frame = pd.concat(frames, ignore_index=True)
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path, index=False)


def _check_store(n: int, side: str) -> None:
    want = _expected(n)
    found = 0
    for serie, attrs in _model().yield_many_ts():
        found += 1
        expected, got = want[attrs["meter"]], serie.dropna()
        if not (got.index.equals(expected.index) and np.array_equal(got.values, expected.values)):
            raise WrongResult(f"{side} import: {attrs['meter']} differs from the source")
    if found != n:
        raise WrongResult(f"{side} import: {found} series stored, not {n}")


def _check_file(path: str, fmt: str, n: int, side: str) -> None:
    frame = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    want = np.sort(np.concatenate([s.to_numpy() for s in _expected(n).values()]))
    if not np.array_equal(np.sort(frame["value"].to_numpy()), want):
        raise WrongResult(f"{side} export ({fmt}): the file's values differ from the store's")


def _step(step: str, side: str, fmt: str, n: int, folder: str) -> dict:
    from django.core.management import call_command

    import hostore.management.commands.hostore_export
    import hostore.management.commands.hostore_import  # noqa: F401  (imported before timing)

    model = _model()
    label = model._meta.label
    source = os.path.join(folder, f"source.{fmt}")
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    if step == "import":
        model.objects.all().delete(hard_delete=True)
        if side == "ours":
            out = _measure(
                lambda: call_command("hostore_import", label, source, "--no-progress", **quiet)
            )
        else:
            out = _measure(lambda: _pandas_import(source, fmt))
        _check_store(n, side)
        return out
    target = os.path.join(folder, f"out_{side}.{fmt}")
    if side == "ours":
        out = _measure(
            lambda: call_command("hostore_export", label, target, "--no-progress", **quiet)
        )
    else:
        out = _measure(lambda: _pandas_export(target, fmt))
    _check_file(target, fmt, n, side)
    return out | {"file_mb": os.path.getsize(target) / 1e6}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.files")
    parser.add_argument("step", choices=["prepare", *STEPS])
    parser.add_argument("--side", choices=SIDES)
    parser.add_argument("--fmt", choices=FORMATS)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args(argv)
    from .db import setup_django

    setup_django()
    if args.step == "prepare":
        out = _prepare(args.n, args.dir)
    else:
        out = _step(args.step, args.side, args.fmt, args.n, args.dir)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

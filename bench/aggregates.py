"""The aggregates phase (``--phases aggregates``): the questions across many series
(``coverage``, ``holes``, ``total_ts``, ``aggregate_ts``) against the quickest pandas code a
user could write on ``yield_many_ts``/``get_many_ts``, on N series of a year at 30 min
(1,000 by default: 17.5 million slots), and against the time to read the same rows.

A worker process (``python -m bench.aggregates --n N ...``) sets Django up on a database of
its own (:func:`bench.db.database`), writes the realistic profile of :mod:`bench.data` (integer
watts with 1 to 3 NaN gaps per series) into the default-codec store with ``set_many_ts``,
``ANALYZE``s it, checks every answer against its baseline (untimed), then runs ``--repeat``
repeats; in each, every call and its baseline run in an order that alternates from one
repeat to the next, and ``yield_many_ts`` over all series is timed once (``read``). Peak
memory is measured per call in a fresh process (``--probe CALL``), as :mod:`bench.memory`
does for ``yield_many_ts``: the resident size above the one after a first small read.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
CALLS = ("coverage", "holes", "total_ts", "aggregate_ts")
# what each call is compared with (the label of the table)
BASELINES = {
    "coverage": "yield_many_ts + per-series numpy counts",
    "holes": "yield_many_ts + per-series numpy NaN runs",
    "total_ts": "get_many_ts().sum(axis=1, min_count=1)",
    "aggregate_ts": "get_many_ts() resample('D') or groupby(local day), sum(min_count=1)",
}


# ---------------------------------------------------------------------- the calls
def ours(model, call: str):
    if call == "coverage":
        return model.coverage()
    if call == "holes":
        return list(model.holes())
    if call == "total_ts":
        return model.total_ts(how="sum")
    return model.aggregate_ts(period="day", how="sum")


def baseline(model, call: str, variant: int = 0):
    """The quickest pandas code we found for the same answer (``variant`` picks among
    equivalent ones, each timed)."""
    if call == "coverage":
        rows = []
        for serie, attrs in model.yield_many_ts():  # trimmed: first and last hold values
            present = int(np.count_nonzero(~np.isnan(serie.to_numpy())))
            rows.append((attrs["meter"], serie.index[0], serie.index[-1], len(serie), present))
        return pd.DataFrame(rows, columns=["meter", "first", "last", "slots", "present"])
    if call == "holes":
        out = []
        for serie, attrs in model.yield_many_ts():
            missing = np.isnan(serie.to_numpy())
            edges = np.diff(np.concatenate(([0], missing.view(np.int8), [0])))
            a, b = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
            out.append((attrs, list(zip(serie.index[a], serie.index[b], strict=True))))
        return out
    frame = model.get_many_ts()
    if call == "total_ts":
        return frame.sum(axis=1, min_count=1)
    if variant == 0:
        return frame.resample("D").sum(min_count=1)
    days = frame.groupby(frame.index.tz_localize(None).normalize()).sum(min_count=1)
    days.index = days.index.tz_localize(frame.index.tz)
    return days


def check(model, call: str) -> None:
    """Raise unless our answer equals the baseline's (untimed)."""
    got, want = ours(model, call), baseline(model, call)
    if call == "coverage":
        same = got[["meter", "first", "last", "slots", "present"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(same, want, check_dtype=False)
        assert (got["missing"] == got["slots"] - got["present"]).all()
    elif call == "holes":
        assert got == want, "holes differ from the NaN runs of the series"
    elif call == "total_ts":
        pd.testing.assert_index_equal(got.index, want.index)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
    else:
        for variant in (0, 1):
            want = baseline(model, call, variant)
            pd.testing.assert_index_equal(got.index, want.index, exact=False, check_exact=True)
            assert list(got.columns) == list(want.columns)
            np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)


def _timed(func: Callable[[], object]) -> float:
    gc.collect()
    started = perf_counter()
    func()
    return perf_counter() - started


# ---------------------------------------------------------------------- worker side
def _load(n: int):
    from hostore import codecs

    from . import db
    from .data import make_workload
    from .models import STORES

    model = STORES[codecs.DEFAULT_CODEC]
    work = make_workload("realistic", n)
    model.set_many_ts({(m,): s for m, s in work.series.items()}, keys=("meter",))
    points = len(work.index)
    del work
    db.analyze([model])
    return model, points


def worker(n: int, repeat: int, out: str, log) -> None:
    from . import db

    db.setup_django()
    db.create_tables()
    model, points = _load(n)
    for call in CALLS:
        check(model, call)
    log(f"answers checked against the baselines ({', '.join(CALLS)})")
    runs: dict[str, dict[str, list[float]]] = {c: {"ours": [], "baseline": []} for c in CALLS}
    reads = []
    for r in range(repeat):
        reads.append(_timed(lambda: sum(1 for _ in model.yield_many_ts())))
        for call in CALLS:
            sides = ["ours", "baseline"] if r % 2 == 0 else ["baseline", "ours"]
            for side in sides:
                if side == "ours":
                    runs[call]["ours"].append(_timed(lambda c=call: ours(model, c)))
                    continue
                variants = (0, 1) if call == "aggregate_ts" else (0,)
                runs[call]["baseline"].append(
                    min(_timed(lambda c=call, v=v: baseline(model, c, v)) for v in variants)
                )
        line = "  ".join(
            f"{c} {runs[c]['ours'][-1]:.3f}/{runs[c]['baseline'][-1]:.3f}s" for c in CALLS
        )
        log(f"repeat {r + 1}/{repeat} (ours/baseline): read {reads[-1]:.3f}s  {line}")
    memory = {call: _probe(call, n) for call in CALLS}
    result = {"server": db.server_version(), "points_per_series": points, "runs": runs}
    result |= {"read": reads, "memory_mb": memory}
    Path(out).write_text(json.dumps(result))


def _probe(call: str, n: int) -> float:
    """Peak resident MB of one call above the process' size after a first small read."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.aggregates", "--probe", call, "--n", str(n)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        cwd=REPO,
    )
    if done.returncode:
        raise SystemExit(f"the memory probe of {call} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_above_baseline_mb"]


def probe(call: str) -> dict:
    from . import db

    db.setup_django()
    from hostore import codecs

    from .memory import _reset_peak, _status_kb
    from .models import STORES

    model = STORES[codecs.DEFAULT_CODEC]
    first = model.objects.order_by("meter").values_list("meter", flat=True).first()
    model.get_ts({"meter": first})
    model.coverage({"meter": first})  # imports and caches of the questions
    gc.collect()
    baseline_kb = _status_kb("VmRSS")
    if not _reset_peak():
        raise SystemExit("cannot reset the peak resident size (/proc/self/clear_refs)")
    ours(model, call)
    peak_kb = _status_kb("VmHWM")
    return {"call": call, "peak_above_baseline_mb": round(max(peak_kb - baseline_kb, 0) / 1024, 1)}


# ---------------------------------------------------------------------- command side
def run(vendor: str, n: int, repeat: int, log: Callable[[str], None]) -> dict:
    """The phase on one database vendor, in a worker process on a database of its own."""
    from .db import run_worker

    started = perf_counter()
    found = run_worker(vendor, "aggregates", ["--n", str(n), "--repeat", str(repeat)])
    result = {"kind": "aggregates", "db": vendor, "n": n, "repeat": repeat, **found}
    result["wall_seconds"] = perf_counter() - started
    log(f"[{vendor} aggregates N={n}] done in {result['wall_seconds']:.0f} s")
    return result


def render(results: list[dict]) -> str:
    """A table per database: median seconds of each call and its baseline, the ratios
    (paired repeat by repeat) and the call's peak memory."""
    from .report import table

    parts = []
    for result in results:
        rows = []
        reads = result["read"]
        for call in CALLS:
            runs = result["runs"][call]
            pairs = zip(runs["ours"], runs["baseline"], strict=True)
            ratio = statistics.median(b / o for o, b in pairs)
            of_read = statistics.median(o / r for o, r in zip(runs["ours"], reads, strict=True))
            rows.append(
                [
                    call,
                    f"{statistics.median(runs['ours']):.3f}",
                    f"{statistics.median(runs['baseline']):.3f}",
                    f"{ratio:.1f}",
                    f"{of_read:.2f}",
                    f"{result['memory_mb'][call]:.0f}",
                ]
            )
        title = (
            f"{result['server']}, questions across series: {result['n']:,} series x "
            f"{result['points_per_series']:,} points (a year at 30 min), median of "
            f"{result['repeat']}; read (yield_many_ts of all) {statistics.median(reads):.3f} s"
        )
        headers = ["call", "ours s", "baseline s", "x baseline", "ours / read", "peak MB"]
        parts += ["", f"== {title} ==", table(headers, rows)]
    if results:
        parts += [
            "",
            "x baseline = baseline time / ours in the same repeat, median over repeats; "
            "baselines: " + "; ".join(f"{c}: {b}" for c, b in BASELINES.items()),
        ]
    return "\n".join(parts)


def save(results: list[dict], started: str) -> list[str]:
    """``bench/results/<date>_<db>_aggregates_n<N>.json`` per database."""
    from .report import save_phase

    return save_phase(results, started, "aggregates")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="worker of the aggregates phase")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out")
    parser.add_argument("--probe", choices=CALLS)
    options = parser.parse_args()
    if options.probe:
        print(json.dumps(probe(options.probe)))
    else:
        from .worker import log as _log

        worker(options.n, options.repeat, options.out, _log)

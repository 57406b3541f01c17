"""One load process: ``python -m bench.load.worker --index I --k K --start EPOCH --seconds T
--out FILE`` (the database comes from the environment, as for :mod:`bench.worker`)."""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import traceback

import numpy as np
import pandas as pd

from . import FREQ, TZ

BASE = pd.Timestamp("2026-01-05", tz=TZ)  # own and written series: 30 days from here
SHARED_BASE = pd.Timestamp("2026-03-01", tz=TZ)  # shared updates: 2 unique slots each
SHARED = [f"s{n}" for n in range(4)]
MIX = {"write": 25, "update shared": 15, "update own": 15, "read window": 30, "stream": 15}


def serie(start: pd.Timestamp, slots: int, first: float, step: float) -> pd.Series:
    index = pd.date_range(start, periods=slots, freq=FREQ)
    return pd.Series(first + np.arange(slots) * step, index=index)


def ack(group: int, name: str, start: pd.Timestamp, slots: int, first: float, step: float):
    return [group, name, start.isoformat(), slots, first, step]


def barrier(out: str) -> float:
    """Say this process is ready (``OUT.ready``), then wait for the parent's ``go`` file
    (next to ``OUT``, renamed in place), which holds the common start time."""
    open(f"{out}.ready", "w").close()
    go = os.path.join(os.path.dirname(out), "go")
    while not os.path.exists(go):
        time.sleep(0.05)
    with open(go) as f:
        start = float(f.read())
    time.sleep(max(0.0, start - time.time()))
    return start


def run(args: argparse.Namespace) -> dict:
    from bench import db

    db.setup_django()
    from .models import LoadSeries as S

    rng = random.Random(args.index)
    me, k = args.index, args.k
    known = [(me, "own"), *((-1, s) for s in SHARED)]
    latencies = {op: [] for op in MIX}
    failures, acks = [], []
    counters = dict.fromkeys(MIX, 0)
    ops, weights = list(MIX), list(MIX.values())
    start = barrier(args.out)
    end = start + args.seconds
    while time.time() < end:
        op = rng.choices(ops, weights)[0]
        seq = counters[op]
        counters[op] += 1
        day = BASE + pd.Timedelta(days=rng.randrange(30))
        record = None
        try:
            started = time.perf_counter()
            if op == "write":
                record = ack(me, f"w{seq}", BASE, 336, float(seq), 0.1)
                S.set_ts({"group": me, "name": f"w{seq}"}, serie(BASE, 336, seq, 0.1))
            elif op == "update shared":
                at = SHARED_BASE + pd.Timedelta(minutes=60 * (seq * k + me))
                first = me * 1e6 + seq
                record = ack(-1, SHARED[seq % 4], at, 2, first, 0.5)
                S.set_ts(
                    {"group": -1, "name": SHARED[seq % 4]}, serie(at, 2, first, 0.5), update=True
                )
            elif op == "update own":
                first = me * 1e6 + seq + 0.25
                record = ack(me, "own", day, 48, first, 1.0)
                S.set_ts({"group": me, "name": "own"}, serie(day, 48, first, 1.0), update=True)
            elif op == "read window":
                group, name = rng.choice(known)
                S.get_ts({"group": group, "name": name}, day, day + pd.Timedelta("1D"))
            else:
                group = rng.choice([me, -1])
                for _ in S.yield_many_ts({"group": group}, day, day + pd.Timedelta("1D")):
                    pass
            latencies[op].append(time.perf_counter() - started)
            if record:
                acks.append(record)
                if op == "write":
                    known.append((me, f"w{seq}"))
        except Exception as exc:
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            failures.append({"op": op, "process": me, "error": last})
    return {"index": me, "latencies": latencies, "failures": failures, "acks": acks}


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--index", "--k"):
        parser.add_argument(name, type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = run(args)
    with open(args.out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()

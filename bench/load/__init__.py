"""Load test: K processes mixing writes, updates, window reads and streams for T seconds.

``python -m bench.load --db postgres -k 4 -t 30`` (see ``bench/README.md``). This module
holds the pure parts (no Django): percentiles, the acknowledgment check, the table.
"""

from __future__ import annotations

import math

import pandas as pd

FREQ = "30min"
TZ = "Europe/Paris"
OPS = ("write", "update shared", "update own", "read window", "stream")


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile ``q`` (0-100) of ``values``; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def expected_values(acks: list[list]) -> dict[tuple, dict[pd.Timestamp, float]]:
    """What the store must hold after the acknowledged writes, replayed in order.

    Each ack is ``[group, name, start ISO, slots, first value, step]``: slot ``k`` from
    ``start`` (every ``FREQ``) holds ``first + k * step``. Later acks win on a slot.
    """
    out: dict[tuple, dict[pd.Timestamp, float]] = {}
    for group, name, start, slots, first, step in acks:
        index = pd.date_range(pd.Timestamp(start).tz_convert(TZ), periods=slots, freq=FREQ)
        values = out.setdefault((group, name), {})
        for k, ts in enumerate(index):
            values[ts] = first + k * step
    return out


def missing_acks(expected: dict, read) -> list[str]:
    """Every acknowledged value not found in the store: ``read(group, name)`` returns the
    stored ``pd.Series`` (or ``None``). An empty list means every ack is stored."""
    problems = []
    for (group, name), values in sorted(expected.items()):
        stored = read(group, name)
        if stored is None:
            problems.append(f"{group}/{name}: series missing ({len(values)} values acknowledged)")
            continue
        index = pd.DatetimeIndex(list(values))
        got = stored.reindex(index)
        want = pd.Series(list(values.values()), index=index)
        bad = ~((got - want).abs() < 1e-9)
        if bad.any():
            first = index[bad.to_numpy()][0]
            was, wanted = float(got[first]), float(want[first])
            problems.append(
                f"{group}/{name}: {int(bad.sum())} of {len(index)} acknowledged values differ,"
                f" first at {first}: stored {was!r}, acknowledged {wanted!r}"
            )
    return problems


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.1f}"


def summary(latencies: dict[str, list[float]], failures: dict[str, int], seconds: float) -> list:
    """One row per operation: calls, ops/s, p50 and p99 (ms), failures."""
    rows = []
    for op in OPS:
        times = latencies.get(op, [])
        rows.append(
            [
                op,
                str(len(times)),
                f"{len(times) / seconds:.1f}",
                _ms(percentile(times, 50)),
                _ms(percentile(times, 99)),
                str(failures.get(op, 0)),
            ]
        )
    total = sum(len(t) for t in latencies.values())
    rows.append(["all", str(total), f"{total / seconds:.1f}", "", "", str(sum(failures.values()))])
    return rows


def render(rows: list[list[str]]) -> str:
    """The summary rows as an aligned text table."""
    headers = ["operation", "calls", "ops/s", "p50 ms", "p99 ms", "failed"]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [headers, ["-" * w for w in widths], *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)

"""The text table of the key:value phase (one per database), from its result dict.

Columns: ``s`` median seconds of the call over the repeats; ``curves/s`` curves handled per
second; ``statements`` SQL statements the call ran (the median); ``x 0.6.7`` holcstore
0.6.7's time / this side's in the same repeat, the median over the repeats (how many times
faster than 0.6.7).
"""

from __future__ import annotations

import statistics

# the calls, in the order they run (saved files sort their keys)
CALLS = ("set_many_lc", "get_many_lc", "find_holes")


def paired_ratio(runs: list[dict], base: list[dict]) -> float:
    """Median over the repeats of the base's seconds / the side's, repeat by repeat."""
    return statistics.median(b["seconds"] / r["seconds"] for r, b in zip(runs, base, strict=True))


def kv_table(result: dict) -> str:
    from .report import table  # here: report imports this module

    rows = []
    n = result["n"]
    calls = sorted(result["runs"], key=lambda c: CALLS.index(c) if c in CALLS else len(CALLS))
    for call in calls:
        by_side = result["runs"][call]
        legacy = by_side.get("0.6.7")
        for side in result["sides"]:
            runs = by_side[side]
            seconds = statistics.median(r["seconds"] for r in runs)
            rows.append(
                [
                    call,
                    result["labels"][side],
                    f"{seconds:.3f}",
                    f"{n / seconds:,.0f}",
                    f"{statistics.median(r['statements'] for r in runs):.0f}",
                    f"{paired_ratio(runs, legacy):.2f}" if legacy else "-",
                ]
            )
    return table(["call", "side", "s", "curves/s", "statements", "x 0.6.7"], rows)


def render(results: list[dict]) -> list[str]:
    """The key:value part of the report: a title and a table per database."""
    parts = []
    for result in results:
        title = (
            f"{result['server']}, Store (key:value): {result['n']:,} curves x "
            f"{result['points_per_curve']:,} points (a year at 30 min, {result['gaps']:,} NaN "
            f"gaps), median of {result['repeat']}"
        )
        parts += ["", f"== {title} ==", kv_table(result)]
    if results:
        parts += [
            "",
            "x 0.6.7 = holcstore 0.6.7's time / this side's in the same repeat, median over "
            "repeats (how many times faster than 0.6.7)",
        ]
    return parts

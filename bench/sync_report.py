"""The text table of the sync phase (one per database), from its result dict.

Columns: ``s`` median seconds of the pull; ``chunks/s`` chunks brought up to date per second
(monthly chunks: 12 per series-year); ``wire MB/s`` the bodies as they came off the socket
(after gzip, if any) per second; ``payload MB/s`` the chunk blobs brought up to date per
second (the stored bytes: the same for every side moving LZ4 blobs); ``requests`` HTTP
requests of the pull; ``wire MB``; ``x 0.6.7`` holcstore 0.6.7's time / this side's
(how many times faster than 0.6.7); ``x raw`` and ``x raw+db`` this side's time / the raw
floor's (how far above moving the bytes, and moving and storing them). Ratios are taken
within each repeat (the sides took turns) and the median over the repeats is shown.
"""

from __future__ import annotations

import statistics

PULL_NAMES = {"full": "full", "incremental": "incremental"}


def _median(runs: list[dict], field: str) -> float:
    return statistics.median(run[field] for run in runs)


def _paired(runs: list[dict], base: list[dict] | None, invert: bool) -> str:
    """Median over repeats of base/side (``invert``) or side/base, '-' without a base."""
    if not base:
        return "-"
    pairs = zip(runs, base, strict=False)
    ratios = [
        b["seconds"] / r["seconds"] if invert else r["seconds"] / b["seconds"] for r, b in pairs
    ]
    return f"{statistics.median(ratios):.2f}"


def _mb(value: float) -> str:
    return f"{value / 1e6:.1f}" if value >= 1e5 else f"{value / 1e6:.3f}"


def sync_table(result: dict) -> str:
    from .report import table  # here: report imports this module

    rows = []
    for pull, by_side in result["runs"].items():
        legacy, raw, raw_db = (by_side.get(s) for s in ("0.6.7", "raw", "raw-db"))
        for side in result["sides"]:
            runs = by_side[side]
            seconds = _median(runs, "seconds")
            rows.append(
                [
                    PULL_NAMES[pull],
                    result["labels"][side],
                    f"{seconds:.3f}",
                    f"{_median(runs, 'chunks') / seconds:,.0f}",
                    f"{_median(runs, 'wire_bytes') / 1e6 / seconds:.1f}",
                    f"{_median(runs, 'payload_bytes') / 1e6 / seconds:.1f}",
                    f"{_median(runs, 'requests'):.0f}",
                    _mb(_median(runs, "wire_bytes")),
                    _paired(runs, legacy, invert=True),
                    _paired(runs, raw, invert=False),
                    _paired(runs, raw_db, invert=False),
                ]
            )
    headers = ["pull", "side", "s", "chunks/s", "wire MB/s", "payload MB/s", "requests"]
    return table([*headers, "wire MB", "x 0.6.7", "x raw", "x raw+db"], rows)


def render(results: list[dict]) -> list[str]:
    """The sync part of the report: a title and a table per database."""
    parts = []
    for result in results:
        n, repeat = result["n"], result["repeat"]
        runs = result["runs"]["full"][result["sides"][0]]
        chunks = runs[0]["chunks"] if runs else 12 * n
        title = (
            f"{result['server']}, sync over loopback HTTP: full pull of {n:,} series-years "
            f"({chunks:,} chunks), then incremental pull after {result['changed_series']} "
            f"series changed (one month each); median of {repeat}"
        )
        parts += ["", f"== {title} ==", sync_table(result)]
    if results:
        parts += [
            "",
            "x 0.6.7 = holcstore 0.6.7's time / this side's (how many times faster); x raw, "
            "x raw+db = this side's time / the raw floor's (1 = the floor); both per repeat, "
            "median over repeats",
        ]
    return parts

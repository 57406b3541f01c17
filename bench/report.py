"""Plain-text tables of a run, and its JSON files in ``bench/results/``.

Phase table columns: ``store s`` median seconds of the phase over all series; ``points/s``
grid points handled per second; ``per call`` the median time divided by the number of
calls; ``x floor`` store time / floor time (1.0 = the database's own limit);
``x django`` plain-Django time / store time (how many times faster than the plain way).
"""

from __future__ import annotations

import json
import os
from datetime import datetime

RESULTS_DIR = os.path.join(os.path.dirname(__file__), "results")
PHASE_NAMES = {  # the phases of bench.phases.PHASES, in order (no Django import here)
    "ingest": "ingest",
    "read_one": "read one",
    "read_window": "read window",
    "read_many": "read many",
    "update": "update",
}


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Aligned columns: the first two to the left, numbers to the right."""
    widths = [max(len(str(cell)) for cell in col) for col in zip(headers, *rows, strict=True)]

    def line(cells):
        return "  ".join(
            str(c).ljust(w) if i < 2 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _rate(value: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.2f}{unit}"
    return f"{value:.0f}"


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def phase_table(result: dict, profile: str) -> str:
    out = result["profiles"][profile]
    seconds = out["seconds"]
    rows = []
    for phase in PHASE_NAMES:
        django = seconds[phase].get("django", {}).get("median")
        for codec in result["codecs"]:
            store = seconds[phase][f"store:{codec}"]["median"]
            floor = seconds[phase][f"floor:{codec}"]["median"]
            calls = out["calls"][phase]
            rows.append(
                [
                    PHASE_NAMES[phase],
                    codec,
                    f"{store:.3f}",
                    _rate(out["points"][phase] / store),
                    _duration(store / calls) if calls > 1 else "",
                    f"{floor:.3f}",
                    _ratio(store / floor),
                    "-" if django is None else f"{django:.3f}",
                    "-" if django is None else f"{django / store:.1f}",
                ]
            )
    headers = ["phase", "codec", "store s", "points/s", "per call", "floor s", "x floor"]
    return table([*headers, "django s", "x django"], rows)


def storage_table(result: dict) -> str:
    rows = []
    for profile, out in result["profiles"].items():
        points = out["points"]["ingest"]
        per_point = {label: size / points for label, size in out["bytes"].items()}
        for codec in result["codecs"]:
            memory = out["memory"][codec]
            rows.append(
                [
                    profile,
                    codec,
                    f"{per_point[f'store:{codec}']:.2f}",
                    f"{per_point[f'floor:{codec}']:.2f}",
                    f"{memory['peak_above_baseline_mb']:.1f}",
                ]
            )
        if "django" in per_point:
            rows.append([profile, "(plain django)", f"{per_point['django']:.2f}", "", ""])
    headers = ["profile", "codec", "store B/pt", "floor B/pt", "yield_many_ts peak MB"]
    return table(headers, rows)


def codec_table(speed: dict) -> str:
    rows = [
        [
            codec,
            figures["profile"],
            f"{figures['bytes_per_point']:.2f}",
            f"{figures['encode_mb_s']:.0f}",
            f"{figures['decode_mb_s']:.0f}",
        ]
        for codec, figures in speed.items()
    ]
    return table(["codec", "data", "B/pt", "encode MB/s", "decode MB/s"], rows)


def render(run: dict) -> str:
    machine = run["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
    parts = [
        f"holcstore benchmark, {run['started']}: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gb']} GB, Python {machine['python']}",
        packages,
    ]
    for result in run["results"]:
        n, repeat = result["n"], result["repeat"]
        for profile, out in result["profiles"].items():
            title = (
                f"{result['server']}, {profile} profile: {n} series x "
                f"{out['points_per_series']:,} points, median of {repeat}"
            )
            parts += ["", f"== {title} ==", phase_table(result, profile)]
        parts += [
            "",
            f"== {result['server']}: bytes on disk per point (table + indexes), "
            "peak RSS of yield_many_ts over all series ==",
            storage_table(result),
        ]
    speed = run["results"][0]["codec_speed"]
    parts += ["", "== codecs alone (monthly chunks of the realistic profile) ==", codec_table(speed)]
    parts += [
        "",
        "x floor = store / floor time (1 = the database's own limit); "
        "x django = plain Django time / store time",
    ]
    return "\n".join(parts)


def save(run: dict) -> list[str]:
    """One small JSON file per database: ``<date>_<db>_n<N>.json``."""
    os.makedirs(RESULTS_DIR, exist_ok=True)
    stamp = datetime.fromisoformat(run["started"]).strftime("%Y-%m-%dT%H%M%S")
    paths = []
    for result in run["results"]:
        path = os.path.join(RESULTS_DIR, f"{stamp}_{result['db']}_n{result['n']}.json")
        document = {k: v for k, v in run.items() if k != "results"} | result
        with open(path, "w") as out:
            json.dump(document, out, indent=1, sort_keys=True)
            out.write("\n")
        paths.append(path)
    return paths

"""Plain-text tables of a run, and its JSON files in ``bench/results/``.

Phase table columns: ``store s`` median seconds of the phase over all series; ``points/s``
grid points handled per second; ``per call`` the median time divided by the number of
calls; ``x floor`` store time / floor time in the same repeat, the median over repeats
(1.0 = the database's own limit);
``x django`` plain-Django time / store time (how many times faster than the plain way).
"""

from __future__ import annotations

import json
import os
import statistics
from datetime import datetime

from . import kv_report, sync_report

RESULTS_DIR = os.path.join(os.path.dirname(__file__), "results")
PHASE_NAMES = {  # the phases of bench.phases.PHASES, in order (no Django import here)
    "ingest": "ingest",
    "read_one": "read one",
    "read_window": "read window",
    "read_many": "read many",
    "update": "update",
}


def _profiles(result: dict) -> list[tuple[str, dict]]:
    order = ["realistic", "random"]  # bench.data.PROFILES (saved files sort their keys)
    return sorted(result["profiles"].items(), key=lambda item: order.index(item[0]))


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


def _paired_ratio(store: dict, floor: dict) -> float:
    """Median over the repeats of the store's time over the floor's in the same repeat.

    Within a repeat the two take turns (call by call or run by run, see
    :mod:`bench.phases`), so each repeat's ratio compares them on the same machine state.
    """
    return statistics.median(s / f for s, f in zip(store["runs"], floor["runs"], strict=True))


def phase_table(result: dict, profile: str) -> str:
    out = result["profiles"][profile]
    seconds = out["seconds"]
    rows = []
    n = out["points"]["ingest"] // out["points_per_series"]
    scale = n / out["django_series"] if out.get("django_series") else 1.0
    for phase in PHASE_NAMES:
        django = seconds[phase].get("django", {}).get("median")
        django = None if django is None else django * scale
        for codec in result["codecs"]:
            store_runs = seconds[phase][f"store:{codec}"]
            floor_runs = seconds[phase][f"floor:{codec}"]
            store, floor = store_runs["median"], floor_runs["median"]
            calls = out["calls"][phase]
            rows.append(
                [
                    PHASE_NAMES[phase],
                    codec,
                    f"{store:.3f}",
                    _rate(out["points"][phase] / store),
                    _duration(store / calls) if calls > 1 else "",
                    f"{floor:.3f}",
                    _ratio(_paired_ratio(store_runs, floor_runs)),
                    "-" if django is None else f"{django:.3f}",
                    "-" if django is None else f"{django / store:.1f}",
                ]
            )
    headers = ["phase", "codec", "store s", "points/s", "per call", "floor s", "x floor"]
    return table([*headers, "django s", "x django"], rows)


def storage_table(result: dict) -> str:
    rows = []
    for profile, out in _profiles(result):
        points = out["points"]["ingest"]
        per_point = {label: size / points for label, size in out["bytes"].items()}
        if "django" in out["bytes"]:  # its table holds only the series it ran on
            django_points = out["django_series"] * out["points_per_series"]
            per_point["django"] = out["bytes"]["django"] / django_points
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


def codec_table(results: list[dict]) -> str:
    rows = [
        [
            codec,
            result["db"],
            f"{figures['bytes_per_point']:.2f}",
            f"{figures['encode_mb_s']:.0f}",
            f"{figures['decode_mb_s']:.0f}",
            f"{figures['decode_series_mb_s']:.0f}" if "decode_series_mb_s" in figures else "-",
        ]
        for codec in results[0]["codecs"]
        for result in results
        for figures in [result["codec_speed"][codec]]
    ]
    headers = ["codec", "worker", "B/pt", "encode MB/s", "decode MB/s", "decode series MB/s"]
    return table(headers, rows)


def render(run: dict) -> str:
    machine = run["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
    parts = [
        f"holcstore benchmark, {run['started']}: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gb']} GB, Python {machine['python']}",
        packages,
    ]
    code = run.get("code") or {}
    if code.get("commit"):
        dirty = " + uncommitted changes to hostore/" if code.get("hostore_modified") else ""
        parts[-1] += f"; commit {code['commit']}{dirty}"
    stores = [r for r in run["results"] if r.get("kind") not in ("sync", "kv")]
    for result in stores:
        n, repeat = result["n"], result["repeat"]
        for profile, out in _profiles(result):
            django = "no plain Django"
            if "django" in out["seconds"]["ingest"]:
                runs = len(out["seconds"]["ingest"]["django"]["runs"])
                django = f"plain Django: {runs} run{'s' if runs > 1 else ''}"
                if out["django_series"] != n:
                    django += (
                        f" on {out['django_series']} series, times x {n / out['django_series']:g}"
                    )
            title = (
                f"{result['server']}, {profile} profile: {n} series x "
                f"{out['points_per_series']:,} points, median of {repeat} ({django})"
            )
            if "round_trip_s" in out:  # runs saved before it was measured have none
                title += f"; SELECT 1 round trip {_duration(out['round_trip_s'])}"
            parts += ["", f"== {title} ==", phase_table(result, profile)]
        parts += [
            "",
            f"== {result['server']}: bytes on disk per point (table + indexes), "
            "peak RSS of yield_many_ts over all series ==",
            storage_table(result),
        ]
    if stores:
        title = "== codecs alone, on the monthly chunks of the realistic profile (no database) =="
        parts += ["", title, codec_table(stores)]
        parts += [
            "",
            "x floor = store / floor time in the same repeat, median over repeats (1 = the "
            "database's own limit); x django = plain Django time / store time",
        ]
    parts += sync_report.render([r for r in run["results"] if r.get("kind") == "sync"])
    parts += kv_report.render([r for r in run["results"] if r.get("kind") == "kv"])
    return "\n".join(parts)


def save(run: dict) -> list[str]:
    """One small JSON file per database (and phase): ``<date>_<db>_n<N>.json``, and
    ``<date>_<db>_sync_n<N>.json`` for the sync phase (``_kv_`` for the key:value one)."""
    os.makedirs(RESULTS_DIR, exist_ok=True)
    stamp = datetime.fromisoformat(run["started"]).strftime("%Y-%m-%dT%H%M%S")
    paths = []
    for result in run["results"]:
        kind = f"_{result['kind']}" if result.get("kind") in ("sync", "kv") else ""
        name = f"{stamp}_{result['db']}{kind}_n{result['n']}.json"
        path = os.path.join(RESULTS_DIR, name)
        document = {k: v for k, v in run.items() if k != "results"} | result
        with open(path, "w") as out:
            json.dump(document, out, indent=1, sort_keys=True)
            out.write("\n")
        paths.append(path)
    return paths


def save_phase(results: list[dict], started: str, kind: str, context: dict | None = None):
    """``<date>_<db>_<kind>_n<N>.json`` per database, for the phases that keep their own
    results (admin, files, aggregates); ``context`` (the run's machine and versions) is
    written into each file too."""
    os.makedirs(RESULTS_DIR, exist_ok=True)
    stamp = datetime.fromisoformat(started).strftime("%Y-%m-%dT%H%M%S")
    paths = []
    for result in results:
        path = os.path.join(RESULTS_DIR, f"{stamp}_{result['db']}_{kind}_n{result['n']}.json")
        with open(path, "w") as out:
            json.dump((context or {}) | result, out, indent=1, sort_keys=True)
            out.write("\n")
        paths.append(path)
    return paths


def load(paths: list[str]) -> dict:
    """A run rebuilt from saved JSON files (for ``python -m bench.report FILE...``)."""
    results = []
    for path in paths:
        with open(path) as saved:
            results.append(json.load(saved))
    run = {k: results[0].get(k) for k in ("started", "command", "machine", "code")}
    return run | {"results": results}


if __name__ == "__main__":
    import sys

    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m bench.report bench/results/FILE.json...")
    print(render(load(sys.argv[1:])))

"""Peak memory of ``yield_many_ts`` over every series, in a fresh process.

Run by the worker as ``python -m bench.memory CODEC N`` (same database environment) while
the store's table holds the data. The process sets Django up, opens the connection and
reads one series (so imports and caches are paid), takes its resident size as the
baseline, resets the kernel's peak counter (``/proc/self/clear_refs``), streams every series
and prints, as JSON, the peak resident size above that baseline.
"""

from __future__ import annotations

import gc
import json
import resource
import sys


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    """Make VmHWM restart from the current RSS (Linux >= 4.0); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def probe(codec: str, n: int) -> dict:
    from . import nocrc
    from .db import setup_django

    nocrc.register([codec])
    setup_django()
    from .models import STORES

    model = STORES[codec]
    first = model.objects.order_by("meter").values_list("meter", flat=True).first()
    model.get_ts({"meter": first})
    gc.collect()
    baseline_kb = _status_kb("VmRSS")
    exact = _reset_peak()
    if not exact:  # fall back on the lifetime peak, which includes the imports
        baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = points = 0
    for serie, _attrs in model.yield_many_ts():
        count += 1
        points += len(serie)
    peak_kb = _status_kb("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if count != n:
        raise SystemExit(f"memory probe: yield_many_ts gave {count} series, expected {n}")
    return {
        "codec": codec,
        "series": count,
        "points": points,
        "baseline_mb": round(baseline_kb / 1024, 1),
        "peak_above_baseline_mb": round(max(peak_kb - baseline_kb, 0) / 1024, 1),
        "peak_reset": exact,
    }


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], int(sys.argv[2]))))

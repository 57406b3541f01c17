"""The phases, the store's side of each, and the loop that alternates store and baselines.

Phases, in order, on one profile: ``ingest`` (``set_many_ts`` of every series), ``read_one``
(``get_ts`` per series), ``read_window`` (``get_ts`` of one local day per series),
``read_many`` (``yield_many_ts`` over all), ``update`` (``set_ts(update=True)`` per series
with a 30-day patch, half over the stored year and half beyond it).

Each repeat empties every table, then runs each phase for every target (store per codec,
floor per codec, plain Django) in an order that rotates from one repeat to the next, so
that no target always runs first (cold caches) or last. In the phases of one call per
series (``read_one``, ``read_window``, ``update``) the targets take turns call by call.
Medians are kept.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable

import pandas as pd

from . import db
from .baselines import Floor, FloorPayload, PlainDjango, chunk_of
from .checks import Clock, Steps, WrongResult, same, same_chunks, same_series, trim
from .data import TZ, Workload

PHASES = ("ingest", "read_one", "read_window", "read_many", "update")
# Phases of many calls (one per series), whose targets take turns call by call.
INTERLEAVED = ("read_one", "read_window", "update")
# Phases of one short call, run this many times per repeat (the targets taking turns run by
# run); the repeat keeps their mean. Plain Django, slow, runs them once.
RUNS = {"ingest": 3, "read_many": 3}


class StoreTarget:
    """The chunk store of one codec, through its public class methods only."""

    def __init__(self, codec: str, model) -> None:
        self.codec = codec
        self.label = f"store:{codec}"
        self.model = model
        self.reference: dict[str, list] | None = None  # meter -> chunks checked at warm-up

    def ingest(self, work: Workload, clock: Clock) -> None:
        mapping = {(meter,): serie for meter, serie in work.series.items()}
        with clock:
            self.model.set_many_ts(mapping, keys=("meter",))
        if self.reference is None:  # the warm-up: check_all() decodes everything next
            same(self.model.objects.count(), 12 * len(mapping), f"{self.label} ingest: rows")
            return
        got: dict[str, list] = {}
        rows = self.model.objects.filter(is_deleted=False).order_by("meter", "chunk_index")
        for meter, ci, dtype, data in rows.values_list("meter", "chunk_index", "dtype", "data"):
            got.setdefault(meter, []).append((ci, dtype, bytes(data)))
        same_chunks(got, self.reference, f"{self.label} ingest (against the checked warm-up)")

    def check_all(self, work: Workload, what: str) -> None:
        """Every stored series decodes to the source (untimed, used after the warm-up)."""
        seen = 0
        for serie, attrs in self.model.yield_many_ts():
            same_series(serie, trim(work.series[attrs["meter"]]), f"{what} {attrs}", TZ)
            seen += 1
        same(seen, len(work.series), f"{what}: series count")

    def read_one(self, work: Workload, clock: Clock) -> Steps:
        for meter, serie in work.series.items():
            with clock:
                got = self.model.get_ts({"meter": meter})
            same_series(got, trim(serie), f"{self.label} read one {meter}", TZ)
            yield

    def read_window(self, work: Workload, clock: Clock) -> Steps:
        for meter, (start, end) in work.windows.items():
            with clock:
                got = self.model.get_ts({"meter": meter}, start, end)
            want = trim(work.series[meter][start:end])
            same_series(got, want, f"{self.label} window {meter}", TZ)
            yield

    def read_many(self, work: Workload, clock: Clock) -> None:
        stream = self.model.yield_many_ts()
        seen = 0
        while True:
            with clock:
                item = next(stream, None)
            if item is None:
                break
            serie, attrs = item
            same_series(serie, trim(work.series[attrs["meter"]]), f"{self.label} many", TZ)
            seen += 1
        same(seen, len(work.series), f"{self.label} read many: series count")

    def update(self, work: Workload, clock: Clock) -> Steps:
        for meter, patch in work.patches.items():
            with clock:
                self.model.set_ts({"meter": meter}, patch, update=True)
            yield
        self.check_update(work)

    def check_update(self, work: Workload) -> None:
        since = work.patches[work.meters[0]].index[0] - pd.Timedelta(days=16)
        for meter in work.meters:
            got = self.model.get_ts({"meter": meter}, start=since)
            want = trim(work.updated(meter)[since:])
            same_series(got, want, f"{self.label} update {meter}", TZ)


def _runs_of(target, phase: str) -> int:
    return 1 if isinstance(target, PlainDjango) else RUNS.get(phase, 1)


def _steps(target, phase: str, work: Workload, clock: Clock, count: int) -> Steps:
    """One target's phase as steps that :func:`run_phase` interleaves: each call of a phase
    of many calls, else each of ``count`` whole runs (an ingest on emptied tables)."""
    if phase in INTERLEAVED:
        gc.collect()
        yield from getattr(target, phase)(work, clock)
        return
    for i in range(count):
        if i and phase == "ingest":
            db.empty(target.model)
        gc.collect()
        getattr(target, phase)(work, clock)
        yield


def run_phase(steps: list[Steps]) -> None:
    """Run the phases of several targets (generators pausing after each timed call) by
    turns, one call of each at a time, until all are done.

    The machine's speed drifts over seconds (a shared VM); taking turns call by call puts
    the store's calls and the baselines' among each other, so a slow spell weighs on all
    of them alike instead of on whichever target happened to run then.
    """
    active = list(steps)
    while active:
        active = [s for s in active if next(s, _DONE) is not _DONE]


_DONE = object()


def touched_chunks(work: Workload) -> list[int]:
    """Chunk indexes the update patch falls in (the same for every series)."""
    index = work.patches[work.meters[0]].index
    return list(range(chunk_of(index[0]), chunk_of(index[-1]) + 1))


def prepare_floor(store: StoreTarget, work: Workload, touched: list[int]) -> Floor:
    """Warm the store up (untimed, fully checked) and capture its bytes for the floor."""
    db.empty(store.model)
    store.ingest(work, Clock())
    store.check_all(work, f"{store.label} warm-up")
    payload = FloorPayload()
    payload.capture_ingest(store.model)
    store.reference = payload.chunks
    run_phase([store.update(work, Clock())])
    payload.capture_update(store.model, touched)
    if sorted(payload.updated) != sorted(work.meters):
        raise WrongResult(f"{store.label}: the update did not touch every series")
    db.empty(store.model)
    return Floor(store.codec, payload, touched)


def run_profile(
    work: Workload,
    stores: dict[str, type],
    repeat: int,
    log: Callable[[str], None],
    django_repeat: int = 0,
    django_series: int | None = None,
) -> dict:
    """Time every phase for every target, ``repeat`` times; medians and sizes in a dict.

    Plain Django, slow, takes part in the first ``django_repeat`` repeats only (0: never),
    on the first ``django_series`` series (None: all); the report scales its times to N.
    """
    django_work = work.head(django_series or len(work.series))
    touched = touched_chunks(work)
    targets: list = [StoreTarget(codec, model) for codec, model in stores.items()]
    log(f"warm-up and floor bytes for {', '.join(stores)}")
    targets += [prepare_floor(store, work, touched) for store in list(targets)]
    if django_repeat:
        targets.append(PlainDjango())
    runs: dict[str, dict[str, list[float]]] = {p: {t.label: [] for t in targets} for p in PHASES}
    sizes: dict[str, list[int]] = {t.label: [] for t in targets}
    for r in range(repeat):
        now = [t for t in targets if r < django_repeat or not isinstance(t, PlainDjango)]
        shift = r % len(now)
        order = now[shift:] + now[:shift]
        for target in order:
            db.empty(target.model)
        for phase in PHASES:
            clocks = [Clock() for _ in order]
            counts = [_runs_of(t, phase) for t in order]
            run_phase(
                [
                    _steps(t, phase, django_work if isinstance(t, PlainDjango) else work, c, n)
                    for t, c, n in zip(order, clocks, counts, strict=True)
                ]
            )
            line = []
            for target, clock, count in zip(order, clocks, counts, strict=True):
                seconds = clock.seconds / count
                runs[phase][target.label].append(seconds)
                line.append(f"{target.label} {seconds:.3f}s")
            log(f"repeat {r + 1}/{repeat} {phase:<11} " + "  ".join(line))
            if phase == "ingest":
                db.analyze(t.model for t in order)
                for target in order:
                    sizes[target.label].append(db.table_bytes(target.model))
    return {
        "django_series": len(django_work.series) if django_repeat else 0,
        "points": {
            "ingest": work.points,
            "read_one": work.points,
            "read_window": work.window_points(),
            "read_many": work.points,
            "update": work.patch_points(),
        },
        "calls": {
            "ingest": 1,
            "read_one": len(work.series),
            "read_window": len(work.series),
            "read_many": 1,
            "update": len(work.series),
        },
        "seconds": {
            phase: {
                label: {"median": statistics.median(values), "runs": values}
                for label, values in by_target.items()
                if values
            }
            for phase, by_target in runs.items()
        },
        "bytes": {label: int(statistics.median(v)) for label, v in sizes.items() if v},
    }

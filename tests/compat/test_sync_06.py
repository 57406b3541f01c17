"""Replication between this holcstore and the published holcstore 0.6.7, over real HTTP.

Each side runs in its own process and virtual environment: 0.6.7 (with Django 4.2 and pandas
2.2) in ``.venvs/holcstore-0.6.7``, driven by ``legacy/driver.py`` on its own SQLite file;
ours in this pytest process, on the test database (SQLite or PostgreSQL).

- 0.6.7's pull client pulls from our server (``runserver`` of our test project): our chunks
  are compressed with shuffle-zstd, which 0.6.7 cannot read, so our server must send LZ4;
- our pull client pulls from 0.6.7's server: no cursor in its answers, ``next`` links, and a
  ``pack/`` that only answers GET.

Each time, both stores must hold the same series, point for point, and those a model of the
writes predicts; then the server's series are merged, replaced and deleted, and a second pull
must bring the client to the same state again, deleted series included. The series cross
months, years and the clock changes of Paris (where 0.6.7 cuts months wrongly: see
``_fit_legacy_chunk`` in ``hostore/sync/client.py``).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from hostore import codecs
from hostore.models.sync_state import SyncCursor
from hostore.sync import TimeseriesChunkStoreSyncClient
from tests.testapp.models import HourlyMirror, HourlyStore, YearlyStore, ZstdStore

from .legacy.series import build, canonical, key

HALF_HOURS, HOURS = 48, 24  # points a day


# --------------------------------------------------------------------------- helpers
class Model:
    """What a store must hold after a sequence of writes, computed with pandas alone."""

    def __init__(self, tz: str = "Europe/Paris") -> None:
        self.tz = tz
        self.series: dict[str, tuple[dict, pd.Series]] = {}

    def write(self, attrs: dict, serie: pd.Series, update: bool = False) -> None:
        old = self.series.get(key(attrs))
        if update and old is not None:
            serie = serie.combine_first(old[1])  # new values win, old ones fill the rest
        self.series[key(attrs)] = (attrs, serie.dropna())

    def delete(self, attrs: dict, month: tuple[int, int] | None = None) -> None:
        """Forget a series, or its values of one (year, month) of the store's time zone."""
        if month is None:
            self.series.pop(key(attrs), None)
            return
        attrs, serie = self.series[key(attrs)]
        local = serie.index.tz_convert(self.tz)
        kept = serie[~((local.year == month[0]) & (local.month == month[1]))]
        self.series[key(attrs)] = (attrs, kept)

    def delete_year(self, attrs: dict, year: int) -> None:
        """Forget the values of one year of a series (a yearly chunk deleted)."""
        attrs, serie = self.series[key(attrs)]
        self.series[key(attrs)] = (attrs, serie[serie.index.tz_convert(self.tz).year != year])

    def canonical(self, keep=lambda attrs: True) -> dict[str, dict]:
        """The series whose keys pass ``keep``, in the canonical form of the dumps."""
        return {
            k: {"attrs": a, **canonical(s)}
            for k, (a, s) in self.series.items()
            if keep(a) and not s.empty
        }


def ours(model, filters=None) -> dict[str, dict]:
    """Every live series of one of our stores, in the canonical form of the legacy dump."""
    return {key(a): {"attrs": a, **canonical(s)} for s, a in model.yield_many_ts(filters)}


def assert_same(got: dict[str, dict], want: dict[str, dict], what: str, dtypes: bool = True):
    """Same series (keys), and for each the same points; the first difference is named."""
    assert sorted(got) == sorted(want), f"{what}: not the same series"
    for k, w in want.items():
        g = got[k]
        if dtypes:
            assert g["dtype"] == w["dtype"], f"{what}: {k} is {g['dtype']}, not {w['dtype']}"
        assert len(g["t"]) == len(w["t"]), (
            f"{what}: {k} has {len(g['t'])} points, not {len(w['t'])}"
        )
        for n, (gt, gv, wt, wv) in enumerate(zip(g["t"], g["v"], w["t"], w["v"], strict=True)):
            assert (gt, gv) == (wt, wv), (
                f"{what}: {k} point {n}: {pd.Timestamp(gt, unit='s', tz='UTC')} = {gv!r}, "
                f"expected {pd.Timestamp(wt, unit='s', tz='UTC')} = {wv!r}"
            )


def hourly(start: str, periods: int, **extra) -> dict:
    """The spec (see ``legacy/series.py``) of an hourly series starting at ``start``."""
    return {"start": start, "periods": periods, "freq": "1h", **extra}


def half_hourly(start: str, periods: int, **extra) -> dict:
    """The spec of a series of 30-minute values starting at ``start``."""
    return {"start": start, "periods": periods, "freq": "30min", **extra}


def _time(text: str) -> dt.datetime:
    """An ``updated_at`` of a dump or a cursor (ISO 8601, ``Z`` for UTC) as a datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def counts_since(rows, since: dt.datetime) -> tuple[int, int]:
    """(live, deleted) rows of a legacy dump changed at or after ``since``: what a pull
    from a 0.6.7 server is sent."""
    changed = [r for r in rows if _time(r["updated_at"]) >= since]
    dead = sum(1 for r in changed if r["is_deleted"])
    return len(changed) - dead, dead


# --------------------------------------------------------------------------- 0.6.7 client
def test_06_client_pulls_our_zstd_store(transactional_db, our_server, legacy):
    """0.6.7 pulls a shuffle-zstd store: it receives LZ4, follows our ``next`` links, asks
    from its own last ``updated_at``, and learns of merges, replacements and deletions."""
    model = Model()
    first = {
        "m01": half_hourly("2024-01-10", 40 * HALF_HOURS, seed=1),  # January into February
        "m02": half_hourly("2024-03-25", 10 * HALF_HOURS, seed=2),  # over the spring clock change
        "m03": half_hourly("2024-10-20", 14 * HALF_HOURS, seed=3),  # over the autumn clock change
        "m04": half_hourly("2023-12-15", 30 * HALF_HOURS, seed=4, gaps=[[100, 300]]),  # new year
        "m05": half_hourly("2024-05-01", 31 * HALF_HOURS, seed=5, dtype="float32"),  # exactly May
        "m06": half_hourly("2024-06-15 13:30", 1, seed=6),  # one point
        "m07": half_hourly("2024-02-01", 120 * HALF_HOURS, seed=7),  # four months
        "m08": half_hourly("2024-01-01", 45 * HALF_HOURS, seed=8),
    }
    for meter, s in first.items():
        ZstdStore.set_ts({"meter": meter}, build(s))
        model.write({"meter": meter}, build(s))
    blobs = ZstdStore.objects.values_list("data", flat=True)
    assert {codecs.codec_of(bytes(b)).codec_id for b in blobs} == {"shuffle-zstd"}
    endpoint = f"{our_server.url}/api/sync/zstd/"

    pulled = legacy.run(
        ["migrate"],
        ["pull", "halfhourly", endpoint, "--batch", "4", "--page-size", "5"],
        ["dump", "halfhourly", "dump1.json"],
    )[1]
    assert (pulled["fetched"], pulled["deleted"]) == (ZstdStore.objects.count(), 0)
    dump = legacy.read("dump1.json")
    assert {c["magic"] for c in dump["chunks"]} == {codecs.LZ4_FRAME_MAGIC.hex()}
    assert_same(dump["series"], ours(ZstdStore), "0.6.7 client after the first pull")
    assert_same(dump["series"], model.canonical(), "0.6.7 client vs the model", dtypes=False)
    assert len(dump["series"]) == 8 and dump["series"][key({"meter": "m05"})]["dtype"] == "float32"
    # the next links were followed: the pages after the first one came by our cursor
    pages = [line for line in our_server.requests() if "/zstd/updates/" in line]
    assert len(pages) == -(-ZstdStore.objects.count() // 5) >= 3  # 16 chunks, 5 a page
    assert all("since=c1." in line for line in pages[1:])

    since = max(ZstdStore.objects.values_list("updated_at", flat=True))  # 0.6.7's next "since"
    changes = [
        ("m01", half_hourly("2024-02-05", 30 * HALF_HOURS, seed=11, offset=1000), "update"),
        ("m07", half_hourly("2024-03-10", 5 * HALF_HOURS, seed=17), "replace"),  # Feb, Apr, May go
        ("m09", half_hourly("2024-07-01", 3 * HALF_HOURS, seed=9), None),
        ("m02", half_hourly("2024-04-03", 2 * HALF_HOURS, seed=12, gaps=[[10, 20]]), "update"),
    ]
    for meter, s, how in changes:
        ZstdStore.set_ts(
            {"meter": meter}, build(s), update=how == "update", replace=how == "replace"
        )
        model.write({"meter": meter}, build(s), update=how == "update")
    ZstdStore.objects.filter(meter="m08").delete()
    model.delete({"meter": "m08"})
    ZstdStore.objects.filter(meter="m04", chunk_index=2024 * 12).delete()  # January 2024
    model.delete({"meter": "m04"}, month=(2024, 1))
    changed = ZstdStore.objects.filter(updated_at__gte=since)
    expected = (changed.filter(is_deleted=False).count(), changed.filter(is_deleted=True).count())
    assert expected[1] == 3 + 2 + 1  # m07: Feb, Apr, May; m08: Jan, Feb; m04: January

    pulled = legacy.run(
        ["pull", "halfhourly", endpoint, "--batch", "4", "--page-size", "5"],
        ["dump", "halfhourly", "dump2.json"],
    )[0]
    assert (pulled["fetched"], pulled["deleted"]) == expected
    dump = legacy.read("dump2.json")
    assert_same(dump["series"], ours(ZstdStore), "0.6.7 client after the second pull")
    assert_same(dump["series"], model.canonical(), "0.6.7 client vs the model", dtypes=False)
    assert key({"meter": "m08"}) not in dump["series"]
    gone = [c for c in dump["chunks"] if c["attrs"] == {"meter": "m08"}]
    assert len(gone) == 2 and all(c["is_deleted"] for c in gone)


def test_06_client_pulls_filtered_series_of_our_store(transactional_db, our_server, legacy):
    """0.6.7 pulls only the series of ``version=1`` (an integer key, sent as a query
    parameter) from our store, before and after changes to both versions."""
    model = Model()
    first = {
        (1, "a"): hourly("2024-01-20", 20 * HOURS, seed=1),
        (1, "b"): hourly("2024-03-30", 3 * HOURS, seed=2),  # ends after the spring change
        (1, "c"): hourly("2023-11-01", 90 * HOURS, seed=3, dtype="float32"),
        (2, "a"): hourly("2024-01-01", 60 * HOURS, seed=4),
    }
    for (version, kind), s in first.items():
        HourlyStore.set_ts({"version": version, "kind": kind}, build(s))
        model.write({"version": version, "kind": kind}, build(s))
    endpoint = f"{our_server.url}/api/sync/hourly/"
    mine = lambda attrs: attrs["version"] == 1  # noqa: E731
    args = ["pull", "hourly", endpoint, "--filters", '{"version": 1}', "--page-size", "4"]

    pulled = legacy.run(["migrate"], args, ["dump", "hourly", "dump1.json"])[1]
    ones = HourlyStore.objects.filter(version=1)
    assert (pulled["fetched"], pulled["deleted"]) == (ones.count(), 0)
    dump = legacy.read("dump1.json")
    assert_same(dump["series"], ours(HourlyStore, {"version": 1}), "0.6.7 filtered pull")
    assert_same(dump["series"], model.canonical(mine), "0.6.7 vs the model", dtypes=False)
    assert len(dump["series"]) == 3

    since = max(ones.values_list("updated_at", flat=True))
    HourlyStore.set_ts(
        {"version": 1, "kind": "a"}, build(hourly("2024-01-25", 3 * HOURS)), update=True
    )
    model.write({"version": 1, "kind": "a"}, build(hourly("2024-01-25", 3 * HOURS)), update=True)
    HourlyStore.set_ts(
        {"version": 1, "kind": "c"}, build(hourly("2024-05-01", 2 * HOURS)), replace=True
    )
    model.write({"version": 1, "kind": "c"}, build(hourly("2024-05-01", 2 * HOURS)))
    HourlyStore.objects.filter(version=1, kind="b").delete()
    model.delete({"version": 1, "kind": "b"})
    HourlyStore.set_ts({"version": 2, "kind": "z"}, build(hourly("2024-01-01", 2 * HOURS)))
    HourlyStore.objects.filter(version=2, kind="a").delete()
    changed = HourlyStore.objects.filter(version=1, updated_at__gte=since)
    expected = (changed.filter(is_deleted=False).count(), changed.filter(is_deleted=True).count())

    pulled = legacy.run(args, ["dump", "hourly", "dump2.json"])[0]
    assert (pulled["fetched"], pulled["deleted"]) == expected
    dump = legacy.read("dump2.json")
    assert_same(dump["series"], ours(HourlyStore, {"version": 1}), "0.6.7 second filtered pull")
    assert_same(dump["series"], model.canonical(mine), "0.6.7 vs the model", dtypes=False)
    assert sorted(v["attrs"]["kind"] for v in dump["series"].values()) == ["a", "c"]
    assert all(c["attrs"]["version"] == 1 for c in dump["chunks"])


# --------------------------------------------------------------------------- our client
def _recording(client: TimeseriesChunkStoreSyncClient) -> list[tuple[str, str, int]]:
    """(method, path?query, status) of every HTTP exchange of ``client``, in order."""
    log: list[tuple[str, str, int]] = []

    def record(response, *args, **kwargs):
        log.append((response.request.method, response.request.path_url, response.status_code))

    client.http.session.hooks["response"].append(record)
    return log


def _check_exchanges(log, first_since: str) -> None:
    """Our client asked ``updates/`` from ``first_since`` then followed 0.6.7's ``next``
    links (offset paging), and fetched chunks with GET once POST was answered 405."""
    updates = [(m, p) for m, p, _ in log if "/updates/" in p]
    assert all(m == "GET" for m, _ in updates)
    assert parse_qs(urlsplit(updates[0][1]).query)["since"] == [first_since]
    assert any("offset=" in p for _, p in updates[1:])  # pages by 0.6.7's links
    packs = [(m, s) for m, p, s in log if "/pack/" in p]
    assert packs[0] == ("POST", 405) and packs[1:] and set(packs[1:]) == {("GET", 200)}


def _since(rows) -> dt.datetime:
    """The last ``updated_at`` of a legacy dump's rows: where our client resumes."""
    return max(_time(r["updated_at"]) for r in rows)


def test_our_client_pulls_a_06_server(db, legacy, legacy_server):
    """Our client pulls 0.6.7's hourly store into HourlyMirror: 0.6.7's tombstones,
    merges and replacements, series on both clock changes (0.6.7 writes the last month of
    such series with a slot too many or too few), then a second pull of the changes."""
    model = Model()
    ops = []

    def write(version, kind, s, how="replace"):
        attrs = {"version": version, "kind": kind}
        ops.append({"op": "set_ts", "store": "hourly", "attrs": attrs, "serie": s, how: True})
        model.write(attrs, build(s), update=how == "update")

    def delete(filters, month=None):
        ops.append({"op": "delete", "store": "hourly", "filters": filters})
        attrs = {k: v for k, v in filters.items() if k != "chunk_index"}
        model.delete(attrs, month)

    write(1, "a", hourly("2024-01-10", 40 * HOURS, seed=1))
    write(1, "b", hourly("2024-03-20", 11 * HOURS, seed=2))  # ends 30 March: a spill into April
    write(1, "c", hourly("2027-10-20", 5 * HOURS, seed=3))  # ends in Oct. 2027: one slot short
    write(2, "a", hourly("2024-05-01", 40 * HOURS, seed=4, dtype="float32"))
    write(2, "b", hourly("2023-12-01", 70 * HOURS, seed=5, gaps=[[5, 50], [700, 701]]))
    write(2, "c", hourly("2024-01-01", 60 * HOURS, seed=6))
    write(2, "c", hourly("2024-02-10", 10 * HOURS, seed=7, offset=500), how="update")
    write(3, "gone", hourly("2024-01-01", 40 * HOURS, seed=8))
    delete({"version": 3, "kind": "gone"})
    legacy.run(["apply", str(legacy.write("ops1.json", ops))], ["dump", "hourly", "d1.json"])
    before = legacy.read("d1.json")
    spills = [c for c in before["chunks"] if c["chunk_index"] == 2024 * 12 + 3 and c["length"] == 1]
    assert [c["attrs"]["kind"] for c in spills] == ["b"]  # 0.6.7's one-hour April chunk
    short = [c for c in before["chunks"] if c["chunk_index"] == 2027 * 12 + 9]
    assert [c["length"] for c in short] == [744]  # October 2027 has 745 hours

    client = TimeseriesChunkStoreSyncClient(
        endpoint=f"{legacy_server.url}/api/sync/hourly/", store_model=HourlyMirror
    )
    log = _recording(client)
    alive = sum(1 for c in before["chunks"] if not c["is_deleted"])
    tombstones = len(before["chunks"]) - alive
    assert client.pull(batch=3, page_size=4) == (alive, tombstones) and tombstones == 2
    assert_same(ours(HourlyMirror), before["series"], "our client after the first pull")
    assert_same(ours(HourlyMirror), model.canonical(), "our client vs the model", dtypes=False)
    _check_exchanges(log, "1970-01-01T00:00:00+00:00")
    # the cursor kept is 0.6.7's last updated_at, and the next pull starts there
    cursor = SyncCursor.objects.get(endpoint=client.endpoint)
    assert _time(cursor.position) == _since(before["chunks"])

    ops.clear()
    write(1, "a", hourly("2024-02-15", 20 * HOURS, seed=11, offset=100), how="update")
    write(1, "b", hourly("2024-01-05", 3 * HOURS, seed=12))  # replaced: Mar and the spill go
    write(3, "gone", hourly("2024-06-01", 2 * HOURS, seed=13))  # written again
    write(4, "new", hourly("2024-03-30", 47, seed=14))  # to 31 March 23:00: a spill again
    delete({"version": 2, "kind": "b", "chunk_index": 2024 * 12 + 1}, month=(2024, 2))
    delete({"version": 2, "kind": "a"})
    legacy.run(["apply", str(legacy.write("ops2.json", ops))], ["dump", "hourly", "d2.json"])
    after = legacy.read("d2.json")
    log.clear()
    expected = counts_since(after["chunks"], _since(before["chunks"]))
    assert client.pull(batch=3, page_size=4) == expected
    assert_same(ours(HourlyMirror), after["series"], "our client after the second pull")
    assert_same(ours(HourlyMirror), model.canonical(), "our client vs the model", dtypes=False)
    assert key({"version": 2, "kind": "a"}) not in ours(HourlyMirror)
    packs = [(m, s) for m, p, s in log if "/pack/" in p]
    assert packs and set(packs) == {("GET", 200)}  # the refusal of POST is remembered
    # chunk by chunk: live where 0.6.7 has data, and no data where it has a tombstone (a
    # deletion of a chunk never pulled leaves nothing here)
    live = {
        (r["version"], r["kind"], r["chunk_index"])
        for r in HourlyMirror.objects.filter(is_deleted=False).values()
    }
    theirs = {
        (c["attrs"]["version"], c["attrs"]["kind"], c["chunk_index"])
        for c in after["chunks"]
        if not c["is_deleted"]
    }
    assert live == theirs


def test_our_client_pulls_yearly_chunks_from_a_06_server(db, legacy, legacy_server):
    """Yearly chunks of 30-minute values (0.6.7's other chunk axis) into YearlyStore, then
    a merge into a new year, a replacement by another year and deletions."""
    model = Model()
    ops = []

    def write(meter, s, how="replace"):
        attrs = {"meter": meter}
        ops.append({"op": "set_ts", "store": "yearly", "attrs": attrs, "serie": s, how: True})
        model.write(attrs, build(s), update=how == "update")

    write("y1", half_hourly("2022-12-20", 400 * HALF_HOURS, seed=1))
    write("y2", half_hourly("2024-03-01", 60 * HALF_HOURS, seed=2, dtype="float32"))
    write("y3", half_hourly("2023-01-01", 30 * HALF_HOURS, seed=3))
    legacy.run(["apply", str(legacy.write("ops1.json", ops))], ["dump", "yearly", "d1.json"])
    before = legacy.read("d1.json")
    client = TimeseriesChunkStoreSyncClient(
        endpoint=f"{legacy_server.url}/api/sync/yearly/", store_model=YearlyStore
    )
    assert client.pull(page_size=2) == (len(before["chunks"]), 0)
    assert_same(ours(YearlyStore), before["series"], "yearly, first pull")
    assert_same(ours(YearlyStore), model.canonical(), "yearly vs the model", dtypes=False)

    ops.clear()
    write("y1", half_hourly("2023-12-31", 10 * HALF_HOURS, seed=11, offset=50), how="update")
    write("y2", half_hourly("2023-06-01", 5 * HALF_HOURS, seed=12, dtype="float32"))  # 2024 goes
    ops.append({"op": "delete", "store": "yearly", "filters": {"meter": "y3"}})
    model.delete({"meter": "y3"})
    ops.append({"op": "delete", "store": "yearly", "filters": {"meter": "y1", "chunk_index": 2022}})
    model.delete_year({"meter": "y1"}, 2022)
    legacy.run(["apply", str(legacy.write("ops2.json", ops))], ["dump", "yearly", "d2.json"])
    after = legacy.read("d2.json")
    expected = counts_since(after["chunks"], _since(before["chunks"]))
    assert client.pull(page_size=2) == expected and expected[1] == 3
    assert_same(ours(YearlyStore), after["series"], "yearly, second pull")
    assert_same(ours(YearlyStore), model.canonical(), "yearly vs the model", dtypes=False)
    assert sorted(v["attrs"]["meter"] for v in ours(YearlyStore).values()) == ["y1", "y2"]

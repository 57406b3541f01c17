"""Bounded waits: a store write blocked behind another writer's transaction on the same
series waits at most ``HOSTORE["LOCK_TIMEOUT"]``, then raises LockTimeoutError naming the
store and the series, and writes nothing; within the wait, it queues and succeeds."""

import threading

import pandas as pd
import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import override_settings

from hostore.exceptions import HostoreError, LockTimeoutError
from tests.conftest import snapshot
from tests.testapp.models import FrameStore, HourlyMirror, HourlyStore, LoadStore, MeterSeries

T0 = pd.Timestamp("2024-01-01", tz="Europe/Paris")
ATTRS = {"version": 1, "kind": "load"}


def _serie(value: float) -> pd.Series:
    return pd.Series([value] * 3, index=pd.date_range(T0, periods=3, freq="1h"))


_PAYLOADS: dict[float, list] = {}


def _payloads() -> None:
    """import_chunks payloads of values 1 to 4, made before any lock is held."""
    for value in (1.0, 2.0, 3.0, 4.0):
        HourlyMirror.set_ts(ATTRS, _serie(value), replace=True)
        rows = HourlyMirror.objects.filter(is_deleted=False).values("chunk_index", "dtype", "data")
        _PAYLOADS[value] = [{"attrs": ATTRS, **r, "data": bytes(r["data"])} for r in rows]


def _import(value: float) -> None:
    HourlyStore.import_chunks(_PAYLOADS[value])


# (store, a write of the same series with a value, what the error message names)
WRITES = {
    "set_ts_update": (
        HourlyStore,
        lambda v: HourlyStore.set_ts(ATTRS, _serie(v), update=True),
        "load",
    ),
    "set_ts_replace": (
        HourlyStore,
        lambda v: HourlyStore.set_ts(ATTRS, _serie(v), replace=True),
        "load",
    ),
    "import_chunks": (HourlyStore, _import, "load"),
    "store_set_lc": (LoadStore, lambda v: LoadStore.set_lc("A", _serie(v), 1), "'A'"),
    "timeseries_store": (
        MeterSeries,
        lambda v: MeterSeries.set_ts({"meter": "m1"}, _serie(v), update=True),
        "m1",
    ),
    "dataframe_store": (
        FrameStore,
        lambda v: FrameStore.update_or_create_df(1, "k", pd.DataFrame({"a": [v]})),
        "'k'",
    ),
}


class _Holder(threading.Thread):
    """Runs ``write`` in a transaction of its own connection, and holds it open (with the
    locks the write took) until ``release`` is set."""

    def __init__(self, write) -> None:
        super().__init__(daemon=True)
        self.write, self.holding, self.release = write, threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.write(2.0)
                self.holding.set()
                self.release.wait(30)
        except BaseException as exc:
            self.error = exc
        finally:
            self.holding.set()
            connections.close_all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(WRITES))
def test_a_blocked_writer_waits_at_most_lock_timeout(name):
    model, write, named = WRITES[name]
    if name == "import_chunks":
        _payloads()
    write(1.0)
    before = snapshot(model)
    holder = _Holder(write)
    holder.start()
    try:
        assert holder.holding.wait(30) and holder.error is None
        with (
            override_settings(HOSTORE={"LOCK_TIMEOUT": 0.2}),
            pytest.raises(LockTimeoutError) as caught,
        ):
            write(3.0)
        assert isinstance(caught.value, HostoreError) and isinstance(caught.value, OperationalError)
        assert model._meta.label in str(caught.value) and named in str(caught.value)
        assert "LOCK_TIMEOUT=0.2s" in str(caught.value)
        assert snapshot(model) == before  # nothing written (the holder has not committed)
    finally:
        holder.release.set()
        holder.join(30)
    assert holder.error is None
    write(4.0)  # the connection that timed out works again


@pytest.mark.django_db(transaction=True)
def test_a_blocked_writer_queues_within_lock_timeout():
    HourlyStore.set_ts(ATTRS, _serie(1.0))
    holder = _Holder(lambda v: HourlyStore.set_ts(ATTRS, _serie(v).iloc[:1], update=True))
    holder.start()
    assert holder.holding.wait(30)
    timer = threading.Timer(0.3, holder.release.set)
    timer.start()
    with override_settings(HOSTORE={"LOCK_TIMEOUT": 30}):
        HourlyStore.set_ts(ATTRS, _serie(5.0).iloc[2:], update=True)  # waits for the holder
    holder.join(30)
    assert holder.error is None
    assert HourlyStore.get_ts(ATTRS).tolist() == [2.0, 1.0, 5.0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's journal mode")
@pytest.mark.django_db(transaction=True)
def test_sqlite_connections_use_wal_and_lock_timeout():
    with override_settings(HOSTORE={"LOCK_TIMEOUT": 1.5}):
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 1500

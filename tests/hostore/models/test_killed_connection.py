"""Killed connections (PostgreSQL): when the backend dies in the middle of a call, the call
raises the driver's error (Django's, wrapping psycopg's), the store is as before, nothing is
printed on stderr, and after close_old_connections() the next call works."""

import logging
import time

import numpy as np
import pandas as pd
import psycopg
import pytest
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.test import override_settings

from hostore.models import _queries, _rows
from tests.conftest import snapshot
from tests.testapp.models import HourlyMirror, HourlyStore

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = pd.Timestamp("2020-01-01", tz="Europe/Paris")
A = {"version": 1, "kind": "load"}


def _serie(value: float, months: int = 3) -> pd.Series:
    """Noisy values: blobs that do not compress, so a write after the kill meets it."""
    index = pd.date_range(T0, T0 + pd.DateOffset(months=months), freq="1h", inclusive="left")
    return pd.Series(value + np.random.default_rng(0).random(len(index)), index=index)


def _kill_backend() -> None:
    """Terminate this test's backend from a second connection, and wait until it is gone."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s::integer)", [pid])
        for _ in range(500):
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.01)
    raise AssertionError("the backend did not die")


def _killing(gen, after: int):
    """Yield from ``gen``, killing the backend once ``after`` items are out."""
    for n, item in enumerate(gen):
        if n == after:
            _kill_backend()
        yield item


def _assert_driver_error_and_recovery(call, capfd, monkeypatch=None) -> None:
    before = snapshot(HourlyStore)
    capfd.readouterr()
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append
    logging.getLogger("psycopg").addHandler(handler)
    try:
        with pytest.raises((OperationalError, InterfaceError)) as caught:
            call()
    finally:
        logging.getLogger("psycopg").removeHandler(handler)
    assert [r.getMessage() for r in logged] == []  # (stderr, where logging is not set up)
    assert isinstance(caught.value.__cause__, psycopg.Error), repr(caught.value)
    close_old_connections()
    assert capfd.readouterr().err == ""
    if monkeypatch is not None:
        monkeypatch.undo()  # no more killing
    assert snapshot(HourlyStore) == before
    HourlyStore.set_ts({"version": 9, "kind": "after"}, _serie(1.0, 1))  # works again
    assert HourlyStore.get_ts({"version": 9, "kind": "after"}).count() > 0


@pytest.mark.parametrize("update", [False, True])
def test_set_ts(monkeypatch, capfd, update):
    HourlyStore.set_ts(A, _serie(1.0))
    original = _rows.chunk_rows
    monkeypatch.setattr(_rows, "chunk_rows", lambda *a: _killing(original(*a), 1))
    attrs = A if update else {"version": 2, "kind": "load"}
    _assert_driver_error_and_recovery(
        lambda: HourlyStore.set_ts(attrs, _serie(2.0), update=update), capfd, monkeypatch
    )


@pytest.mark.parametrize("rows", [3, 300], ids=["upsert", "copy"])
def test_set_many_ts(monkeypatch, capfd, rows):
    HourlyStore.set_ts(A, _serie(1.0))
    original = _rows.series_rows
    monkeypatch.setattr(_rows, "series_rows", lambda *a: _killing(original(*a), rows // 3))
    mapping = {(2, "load"): _serie(2.0, rows)}
    _assert_driver_error_and_recovery(
        lambda: HourlyStore.set_many_ts(mapping, ("version", "kind")), capfd, monkeypatch
    )


def test_import_chunks(monkeypatch, capfd):
    HourlyMirror.set_ts(A, _serie(2.0))
    payload = [
        {"attrs": A, **r, "data": bytes(r["data"])}
        for r in HourlyMirror.objects.values("chunk_index", "dtype", "data")
    ]
    HourlyStore.set_ts(A, _serie(1.0, 1))
    original = _queries.begin_write

    def begin_then_kill(*args):
        seq = original(*args)
        _kill_backend()
        return seq

    monkeypatch.setattr(_queries, "begin_write", begin_then_kill)
    _assert_driver_error_and_recovery(
        lambda: HourlyStore.import_chunks(payload), capfd, monkeypatch
    )


def test_yield_many_ts(capfd):
    for version in range(4):
        HourlyStore.set_ts({"version": version, "kind": "load"}, _serie(1.0))

    def stream():
        with override_settings(HOSTORE={"READ_CHUNK_SIZE": 2}):
            series = HourlyStore.yield_many_ts({"kind": "load"})
            next(series)
            _kill_backend()
            list(series)

    _assert_driver_error_and_recovery(stream, capfd)


def test_copy_failing_after_the_kill_logs_nothing(monkeypatch, capfd):
    """The rows' encoder fails mid-COPY on a dead connection: its error (or the driver's)
    is raised, and psycopg does not also log that it could not end the COPY."""
    original = _rows.series_rows

    def rows(*args):
        yield from _killing(original(*args), 100)
        raise RuntimeError("encoder failed")

    monkeypatch.setattr(_rows, "series_rows", rows)
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append
    logging.getLogger("psycopg").addHandler(handler)
    try:
        with pytest.raises((RuntimeError, OperationalError, InterfaceError)):
            HourlyStore.set_many_ts({(2, "load"): _serie(2.0, 200)}, ("version", "kind"))
    finally:
        logging.getLogger("psycopg").removeHandler(handler)
    assert [r.getMessage() for r in logged] == []
    close_old_connections()
    assert capfd.readouterr().err == ""
    monkeypatch.undo()
    assert not HourlyStore.objects.exists()
    HourlyStore.set_ts(A, _serie(1.0, 1))
    assert HourlyStore.get_ts(A).count() > 0

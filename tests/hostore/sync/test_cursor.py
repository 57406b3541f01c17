"""No change is ever missed: the cursor is the server's change order, not a clock.

A timestamp watermark (the cursor of holcstore 0.5/0.6 clients) misses a transaction that
commits after a later one, and any write made while the server's clock went backwards.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import numpy as np
import pandas as pd
import pytest
from django.db import connections, transaction
from django.utils import timezone

from tests.testapp.models import HourlyMirror, HourlyStore

from .test_pull import same_stores, serie

A = {"version": 1, "kind": "a"}
B = {"version": 2, "kind": "b"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_commits_after_a_later_one_is_not_missed(make_client):
    """T1 writes A and stays open; T2 writes B and commits; a pull; T1 commits; a pull."""
    holding, release = threading.Event(), threading.Event()
    errors = []

    def t1() -> None:
        try:
            with transaction.atomic():
                HourlyStore.set_ts(A, serie())
                holding.set()
                release.wait(10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=t1)
    thread.start()
    client = make_client()
    try:
        assert holding.wait(10)
        HourlyStore.set_ts(B, serie(scale=2.0))  # T2, committed first
        first = client.pull()
    finally:
        release.set()
        thread.join()
    assert errors == []
    # B committed after A started: it waits behind A rather than move the cursor past it
    assert first == (0, 0) and not HourlyMirror.objects.exists()
    a_time = HourlyStore.objects.filter(kind="a").values_list("updated_at", flat=True)[0]
    b_time = HourlyStore.objects.filter(kind="b").values_list("updated_at", flat=True)[0]
    assert a_time < b_time  # A is older, yet committed last
    # a watermark taken once B had been pulled would skip A for good
    assert {i["attrs"]["kind"] for i in HourlyStore.list_changes(changed_since=b_time)} == {"b"}
    assert client.pull() == (4, 0)
    same_stores()


def test_writes_made_while_the_server_clock_goes_backwards_are_pulled(db, make_client, monkeypatch):
    """The server's clock jumps back hours between writes: updated_at goes down, the change
    order still goes up, and every write reaches the client."""
    client = make_client()
    real_now = timezone.now
    for step, kind in enumerate("abcdef"):
        skew = dt.timedelta(hours=-5 * step)
        monkeypatch.setattr(timezone, "now", lambda skew=skew: real_now() + skew)
        HourlyStore.set_ts({"version": step, "kind": kind}, serie(scale=step + 1.0))
        if step % 2:
            client.pull(batch=1, page_size=1)
    monkeypatch.setattr(timezone, "now", real_now)
    times = list(HourlyStore.objects.order_by("sync_seq").values_list("updated_at", flat=True))
    assert times == sorted(times, reverse=True)  # a watermark would have stopped at the first
    client.pull()
    same_stores()


def test_a_client_clock_hours_off_changes_nothing(db, make_client, monkeypatch):
    """The client's clock only stamps its own rows; its cursor is the server's."""
    client = make_client()
    real_now = timezone.now
    HourlyStore.set_ts(A, serie())
    for hours in (9, -9, 0):
        HourlyStore.set_ts(A, serie("2024-03-01", 5, scale=hours), update=True)
        monkeypatch.setattr(timezone, "now", lambda h=hours: real_now() + dt.timedelta(hours=h))
        client.pull()
        monkeypatch.setattr(timezone, "now", real_now)
        same_stores()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_a_puller_lose_nothing(make_client):
    """Writers commit in random order, each holding its transaction open for a random while,
    while a client pulls over and over: once they are done, one more pull makes the client
    equal to the server. Each write makes new chunks, so a change skipped by a pull would
    never be listed again and would be missing at the end.

    The interleaving does not depend on the machine's speed: the writers start after a first
    pull, and the first writer waits, after its first commit, until a pull begun after it has
    fetched something."""
    n_writers, per_writer = 4, 6
    done = threading.Event()
    first_pull, writes_started, fetched_during = (threading.Event() for _ in range(3))
    errors = []
    rng = random.Random(7)
    pauses = [[rng.uniform(0, 0.03) for _ in range(per_writer)] for _ in range(n_writers)]

    def writer(k: int) -> None:
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    start = pd.Timestamp("2023-01-01", tz="Europe/Paris") + pd.DateOffset(months=i)
                    idx = pd.date_range(start, periods=30, freq="1h")
                    HourlyStore.set_ts(
                        {"version": k, "kind": "w"},
                        pd.Series(np.arange(30.0) + 100 * k + i, index=idx),
                        update=True,
                    )
                    time.sleep(pauses[k][i])
                if k == 0 and i == 0:
                    writes_started.set()
                    assert fetched_during.wait(timeout=120), "no pull fetched during the writes"
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pulls = []

    def puller() -> None:
        client = make_client()
        try:
            while not done.is_set():
                began_during = writes_started.is_set()
                pulls.append(client.pull(batch=3, page_size=4))
                first_pull.set()
                if began_during and pulls[-1].fetched:
                    fetched_during.set()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(k,)) for k in range(n_writers)]
    pulling = threading.Thread(target=puller)
    pulling.start()
    assert first_pull.wait(timeout=120)
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    pulling.join()
    assert errors == []
    assert len(pulls) >= 2 and sum(p.fetched for p in pulls) > 0  # pulls ran during the writes
    make_client().pull()  # the same cursor (same endpoint, store and filters)
    same_stores()
    assert HourlyMirror.objects.count() == n_writers * per_writer

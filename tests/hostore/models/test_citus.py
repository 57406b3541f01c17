"""DISTRIBUTE_BY: the stores' tables distributed by a business key on Citus, nothing elsewhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.core import checks
from django.db import connection, models
from django.test.utils import isolate_apps

from hostore.checks import check_citus_distribution, check_distribute_by
from hostore.exceptions import InvalidAttrsError, StoreConfigurationError
from hostore.models import DataFrameStore, Store, TimeseriesChunkStore, TimeseriesStore, _citus
from tests.conftest import CITUS, snapshot
from tests.testapp import models as testapp

DISTRIBUTED = [
    m for m in testapp.__dict__.values() if isinstance(m, type) and getattr(m, "DISTRIBUTE_BY", 0)
]


def _series(n: int = 24 * 40, seed: int = 0) -> pd.Series:
    index = pd.date_range("2024-01-30", periods=n, freq="1h", tz="Europe/Paris")
    return pd.Series(np.random.default_rng(seed).uniform(0, 9, n).round(2), index=index)


# ------------------------------------------------------------------ declarations (all databases)
@pytest.mark.parametrize(
    ("base", "fields", "meta", "column", "message"),
    [
        (TimeseriesChunkStore, {"meter": models.CharField(max_length=9)}, {}, "site", "not one"),
        (TimeseriesChunkStore, {"meter": models.CharField(max_length=9)}, {}, 3, "not one"),
        (TimeseriesChunkStore, {"meter": models.IntegerField()}, {}, "chunk_index", "not one"),
        (Store, {}, {}, "version", "not one of its business keys ['prm', 'client_id']"),
        (DataFrameStore, {}, {}, "meta", "not one of its business keys ['client_id', 'key']"),
        (
            TimeseriesStore,
            {"site": models.CharField(max_length=9), "code": models.IntegerField(unique=True)},
            {"unique_together": [("site", "code")]},
            "site",
            "unique constraint on ['code'] does not include DISTRIBUTE_BY 'site'",
        ),
        (
            TimeseriesChunkStore,
            {"site": models.CharField(max_length=9), "tag": models.CharField(max_length=9)},
            {"constraints": [models.UniqueConstraint(fields=["tag"], name="one_tag")]},
            "site",
            "unique constraint on ['tag'] does not include",
        ),
    ],
)
@isolate_apps("tests.testapp")
def test_a_distribute_by_citus_cannot_use_is_reported(base, fields, meta, column, message):
    body = {"__module__": "tests.testapp.models", "DISTRIBUTE_BY": column, **fields}
    body["Meta"] = type("Meta", (), {"app_label": "testapp", **meta})
    model = type("BadDistribution", (base,), body)
    problems = _citus.declaration_problems(model)
    assert len(problems) == 1 and message in problems[0]
    errors = check_distribute_by(app_configs=[model._meta.apps.get_app_config("testapp")])
    assert [e.id for e in errors] == ["hostore.E002"]
    assert message in errors[0].msg and errors[0].level == checks.ERROR


def test_the_test_stores_declare_usable_keys():
    assert len(DISTRIBUTED) > 40  # the grid matrix, the four kinds of store
    assert check_distribute_by() == []
    assert _citus.business_keys(testapp.YearKindSeries) == ("year", "kind")
    assert _citus.business_keys(testapp.LoadStore) == ("prm", "client_id")
    assert _citus.business_keys(testapp.HourlyStore) == ("version", "kind")


def test_distribute_by_changes_nothing_without_citus(db):
    if CITUS:
        pytest.skip("the Citus pass checks the distributed tables")
    assert _citus.is_citus(connection) is False
    for model in (testapp.HourlyStore, testapp.LoadStore, testapp.FrameStore):
        assert _citus.distribute(model, "default") is False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'p'",
                [testapp.HourlyStore._meta.db_table],
            )
            assert cursor.fetchone()[0] == "PRIMARY KEY (id)"
    assert check_citus_distribution(databases=["default"]) == []


# ------------------------------------------------------------------ on the cluster
def _distribution(table: str) -> tuple[str | None, int | None]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_to_column_name(logicalrelid, partkey), colocationid "
            "FROM pg_dist_partition WHERE logicalrelid = %s::regclass",
            [connection.ops.quote_name(table)],
        )
        row = cursor.fetchone()
    return row if row else (None, None)


def _primary_key(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'p'",
            [connection.ops.quote_name(table)],
        )
        return cursor.fetchone()[0]


@pytest.mark.citus
@pytest.mark.parametrize("model", DISTRIBUTED, ids=lambda m: m.__name__)
def test_migrate_distributes_every_declared_store(db, model):
    column = model._meta.get_field(model.DISTRIBUTE_BY).column
    assert _distribution(model._meta.db_table)[0] == column
    assert _primary_key(model._meta.db_table) == f"PRIMARY KEY ({column}, id)"
    assert _citus.distribute(model, "default") is False  # nothing left to do


@pytest.mark.citus
def test_stores_distributed_by_keys_of_one_type_are_colocated(db):
    def groups(*stores):
        return {_distribution(m._meta.db_table)[1] for m in stores}

    text = groups(
        testapp.HourlyStore,
        testapp.YearlyStore,
        testapp.LoadStore,
        testapp.OtherFrameStore,
        testapp.MeterSeries,
    )
    integer = groups(testapp.YearLoadStore, testapp.FrameStore)
    assert len(text) == 1 and len(integer) == 1 and text != integer


@pytest.mark.citus
def test_citus_check_reports_stores_not_distributed(db):
    warnings = check_citus_distribution(databases=["default"])
    assert {(w.id, w.obj) for w in warnings} == {("hostore.W003", testapp.KeylessStore)}


@pytest.mark.citus
@isolate_apps("tests.testapp")
def test_citus_check_reports_a_declared_store_not_distributed(db):
    class Undistributed(TimeseriesChunkStore):
        meter = models.CharField(max_length=16)
        DISTRIBUTE_BY = "meter"

        class Meta:
            app_label = "testapp"

    with connection.schema_editor() as editor:
        editor.create_model(Undistributed)
    config = Undistributed._meta.apps.get_app_config("testapp")
    warnings = check_citus_distribution(app_configs=[config], databases=["default"])
    assert [(w.id, w.obj) for w in warnings] == [("hostore.W004", Undistributed)]
    assert "its table on database 'default' is not distributed" in warnings[0].msg
    assert _citus.distribute(Undistributed, "default") is True
    assert check_citus_distribution(app_configs=[config], databases=["default"]) == []


@pytest.mark.citus
@pytest.mark.django_db(transaction=True)
@isolate_apps("tests.testapp")
def test_a_table_with_rows_is_distributed_with_its_rows():
    class LateStore(TimeseriesChunkStore):
        meter = models.CharField(max_length=16)

        class Meta:
            app_label = "testapp"

    with connection.schema_editor() as editor:
        editor.create_model(LateStore)
    try:
        meters = [f"m{i}" for i in range(20)]
        for i, meter in enumerate(meters):
            LateStore.set_ts({"meter": meter}, _series(seed=i))
        assert _citus.distribute(LateStore, "default") is False  # nothing declared
        LateStore.DISTRIBUTE_BY = "meter"
        assert _citus.distribute(LateStore, "default") is True
        assert _distribution(LateStore._meta.db_table)[0] == "meter"
        for i, meter in enumerate(meters):
            pd.testing.assert_series_equal(
                LateStore.get_ts({"meter": meter}),
                _series(seed=i),
                check_freq=False,
                check_names=False,
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT nodeport), sum(shard_size) > 0 FROM citus_shards "
                "WHERE table_name = %s::regclass",
                [LateStore._meta.db_table],
            )
            assert cursor.fetchone() == (2, True)  # spread over both workers
            # the coordinator's own copy was emptied
            cursor.execute("SELECT pg_relation_size(%s::regclass)", [LateStore._meta.db_table])
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(LateStore)


@pytest.mark.citus
@pytest.mark.django_db(transaction=True)
@isolate_apps("tests.testapp")
def test_distribution_failure_is_a_clear_error_and_changes_nothing():
    class Target(models.Model):
        class Meta:
            app_label = "testapp"

    class PointingStore(TimeseriesChunkStore):
        owner = models.ForeignKey(Target, on_delete=models.CASCADE)
        DISTRIBUTE_BY = "owner"

        class Meta:
            app_label = "testapp"

    with connection.schema_editor() as editor:
        editor.create_model(Target)
        editor.create_model(PointingStore)
    try:
        with pytest.raises(StoreConfigurationError, match="reference table"):
            _citus.distribute(PointingStore, "default")
        assert _distribution(PointingStore._meta.db_table) == (None, None)
        assert _primary_key(PointingStore._meta.db_table) == "PRIMARY KEY (id)"
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(PointingStore)
            editor.delete_model(Target)


@pytest.mark.citus
def test_save_keeps_the_distribution_column_out_of_the_update(db):
    testapp.YearlyStore.set_ts({"meter": "m1"}, _series().asfreq("30min"))
    row = testapp.YearlyStore.objects.get(meter="m1", chunk_index=2024)
    row.updated_at = pd.Timestamp("2020-01-01", tz="UTC")
    row.save()  # Citus refuses "SET meter = 'm1'", even to its own value
    assert testapp.YearlyStore.objects.get(pk=row.pk).updated_at == row.updated_at
    before = snapshot(testapp.YearlyStore)
    row.meter = "m2"
    with pytest.raises(InvalidAttrsError, match="'meter' cannot change, it is the column"):
        row.save()
    assert snapshot(testapp.YearlyStore) == before
    typed = testapp.TypedKeyStore.objects.create(
        day="2024-01-01",
        uid="12345678-1234-5678-1234-567812345678",
        at="2024-01-01T00:00:00Z",
        ratio="1.50",
        chunk_index=0,
        dtype="float64",
        start_ts="2024-01-01T00:00:00Z",
        data=b"",
    )
    typed = testapp.TypedKeyStore.objects.get(pk=typed.pk)
    typed.uid = str(typed.uid).upper()  # the same UUID, as text
    typed.save()
    frame = testapp.FrameStore.objects.create(client_id=1, key="k", payload=b"x")
    frame.payload = b"y"
    frame.save()
    assert bytes(testapp.FrameStore.objects.get(pk=frame.pk).payload) == b"y"

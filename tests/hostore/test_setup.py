"""Package and class setup: app label, settings validation, migrations, system checks."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.apps import AppConfig
from django.core.management import call_command
from django.db import models
from django.db.migrations.loader import MigrationLoader
from django.test.utils import isolate_apps

from hostore.checks import check_frozen_settings
from hostore.exceptions import StoreConfigurationError
from hostore.grid import get_grid
from hostore.models import TimeseriesChunkStore
from hostore.models._setup import StoreInfo
from tests.testapp.models import CustomMetaStore, HourlyStore, KeylessStore


def test_seed_spelling_holcstore_installs_the_hostore_app():
    config = AppConfig.create("holcstore")
    assert (config.name, config.label) == ("hostore", "hostore")


def test_a_project_with_holcstore_in_installed_apps_starts():
    code = (
        "import django; from django.conf import settings;"
        "settings.configure(INSTALLED_APPS=['holcstore'], USE_TZ=True);"
        "django.setup(); from django.apps import apps;"
        "c = apps.get_app_config('hostore'); print(c.name, c.label)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["hostore", "hostore"]


def test_makemigrations_finds_nothing_to_do(db):
    out = StringIO()
    call_command("makemigrations", "testapp", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _migration_state(model):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = loader.project_state()
    return state.models[("testapp", model._meta.model_name)]


@pytest.mark.parametrize(
    "model, fields",
    [
        (HourlyStore, ["version", "kind", "chunk_index"]),
        (KeylessStore, ["chunk_index"]),
        (CustomMetaStore, ["site", "channel", "chunk_index"]),
    ],
)
def test_migrations_hold_the_unique_constraint_and_updated_at_index(model, fields):
    state = _migration_state(model)
    uniques = [list(c.fields) for c in state.options["constraints"]]
    assert fields in uniques
    index_fields = [list(i.fields) for i in state.options["indexes"]]
    assert ["updated_at"] in index_fields
    for index in state.options["indexes"]:
        assert len(index.name) <= 30


def test_user_meta_is_kept_beside_the_added_constraints():
    state = _migration_state(CustomMetaStore)
    assert state.options["db_table"] == "custom_meta_store_table"
    assert state.options["ordering"] == ("site", "chunk_index")
    assert ["site"] in [list(i.fields) for i in state.options["indexes"]]


def test_business_keys_are_discovered():
    assert HourlyStore._hostore.keys == ("version", "kind")
    assert KeylessStore._hostore.keys == ()
    assert CustomMetaStore._hostore.keys == ("site", "channel")


BAD_SETTINGS = [
    ({"STORE_FREQ": "7min"}, "STORE_FREQ='7min' is not supported"),
    ({"STORE_FREQ": "2h"}, "not supported"),
    ({"STORE_FREQ": "30s"}, "not supported"),
    ({"STORE_FREQ": "2D"}, "not supported"),
    ({"STORE_FREQ": "MS"}, "not a fixed step"),
    ({"STORE_FREQ": "banana"}, "not a pandas frequency"),
    ({"STORE_TZ": "Europe/Lyon"}, "not an IANA time zone"),
    ({"STORE_TZ": 3}, "IANA zone name string"),
    ({"CHUNK_AXIS": ("month",)}, "CHUNK_AXIS"),
    ({"CHUNK_AXIS": ("year", "week")}, "CHUNK_AXIS"),
    ({"STORE_TZ": "Australia/Lord_Howe", "STORE_FREQ": "1h"}, "not multiples"),
    ({"STORE_CODEC": "gzip"}, "unknown codec 'gzip'"),
]


@pytest.mark.parametrize("settings, message", BAD_SETTINGS)
@isolate_apps("tests.testapp")
def test_invalid_settings_fail_at_class_creation(settings, message):
    with pytest.raises(StoreConfigurationError, match=message) as info:
        type(
            "BadStore",
            (TimeseriesChunkStore,),
            {"__module__": "tests.testapp.models", "key": models.IntegerField(), **settings},
        )
    assert "BadStore" in str(info.value)


@isolate_apps("tests.testapp")
def test_redefining_a_reserved_field_fails():
    with pytest.raises(StoreConfigurationError, match="reserved field 'data'"):

        class BadStore(TimeseriesChunkStore):
            data = models.TextField()

            class Meta:
                app_label = "testapp"


@isolate_apps("tests.testapp")
def test_valid_uncommon_settings_are_accepted():
    class KolkataStore(TimeseriesChunkStore):
        meter = models.IntegerField()
        STORE_TZ = "Asia/Kolkata"
        STORE_FREQ = "60min"
        CHUNK_AXIS = ["year"]

        class Meta:
            app_label = "testapp"

    grid = KolkataStore._hostore.grid
    assert grid.chunk_axis == ("year",) and grid.step_ns == 3600 * 10**9


def test_system_check_accepts_consistent_data(db):
    HourlyStore.set_ts({"version": 1, "kind": "a"}, _hourly())
    assert [e for e in check_frozen_settings(databases=["default"])] == []


@pytest.mark.parametrize(
    "settings",
    [
        ("1h", "UTC", ("year", "month")),
        ("30min", "Europe/Paris", ("year", "month")),
        ("1h", "Europe/Paris", ("year",)),
    ],
)
def test_system_check_reports_settings_changed_after_data(db, monkeypatch, settings):
    HourlyStore.set_ts({"version": 1, "kind": "a"}, _hourly())
    changed = StoreInfo(get_grid(*settings), ("version", "kind"), "lz4", "testapp.HourlyStore")
    monkeypatch.setattr(HourlyStore, "_hostore", changed)
    errors = check_frozen_settings(databases=["default"])
    assert [e.id for e in errors] == ["hostore.E001"]
    assert "testapp.HourlyStore" in errors[0].msg and "frozen" in errors[0].hint
    assert check_frozen_settings(databases=None) == []


def _hourly() -> pd.Series:
    idx = pd.date_range("2024-03-30", periods=48, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(48.0), index=idx)

"""The admin download actions: 0.6's zip layout, CSV values, selections, a real ModelAdmin."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.contrib import admin, messages
from django.contrib.admin.sites import AdminSite
from django.contrib.auth.models import User
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from hostore import admin_actions
from hostore.admin import (
    download_timeseries_from_chunkstore,
    download_timeseries_from_legacy_store,
    download_timeseries_from_store,
)
from tests.testapp.models import (
    FrameStore,
    HourlyStore,
    LoadStore,
    YearKindSeries,
    YearLoadStore,
)

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[3]
DISPOSITION = re.compile(
    r'attachment; filename="export_(\d+)_(\w+)_\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\.zip"'
)


def S(values, start="2024-01-01 00:00", freq="30min", tz="UTC", dtype=None) -> pd.Series:
    return pd.Series(values, pd.date_range(start, periods=len(values), freq=freq, tz=tz), dtype)


class SeriesAdmin(admin.ModelAdmin):
    actions = [
        download_timeseries_from_store,
        download_timeseries_from_legacy_store,
        download_timeseries_from_chunkstore,
    ]


def model_admin(model) -> admin.ModelAdmin:
    # a site of our own: ``admin.site`` needs django.contrib.admin installed, the tests don't
    return SeriesAdmin(model, AdminSite(name="tests"))


def post(action: str, pks) -> object:
    """The request the change list sends for an action, from a superuser."""
    request = RequestFactory().post(
        "/admin/", {"action": action, "_selected_action": [str(pk) for pk in pks]}
    )
    request.user = User(username="admin", is_superuser=True, is_active=True)
    request._messages = CookieStorage(request)
    return request


def run_action(model, pks, action="download_timeseries_from_store"):
    ma = model_admin(model)
    request = post(action, pks)
    return ma.response_action(request, model._default_manager.all()), request


def unzip(response) -> dict[str, str]:
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def lines(text: str) -> list[str]:
    return text.splitlines()


def read_csv(text: str) -> pd.Series:
    frame = pd.read_csv(io.StringIO(text), sep=";", index_col=0)
    return frame["data"]


# ---------------------------------------------------------------------- TimeseriesStore
@pytest.fixture
def two_series():
    YearKindSeries.set_ts({"year": 2020, "kind": "a"}, S([1.0, np.nan, 1 / 3], tz="Europe/Paris"))
    YearKindSeries.set_ts({"year": 2021, "kind": "b;c"}, S([2, 3], tz=None, dtype="int64"))
    return list(YearKindSeries.objects.order_by("pk").values_list("pk", flat=True))


def test_the_zip_holds_one_csv_per_series_and_a_summary(two_series):
    response, request = run_action(YearKindSeries, two_series)
    match = DISPOSITION.fullmatch(response["Content-Disposition"])
    assert match and match.group(1, 2) == ("2", "YearKindSeries")
    files = unzip(response)
    assert list(files) == ["export_serie_0.csv", "export_serie_1.csv", "content_summary.csv"]
    assert lines(files["export_serie_0.csv"]) == [
        ";data",
        "2024-01-01 00:00:00+01:00;1.00000000",
        "2024-01-01 00:30:00+01:00;",
        "2024-01-01 01:00:00+01:00;0.33333333",
    ]
    assert lines(files["export_serie_1.csv"]) == [
        ";data",
        "2024-01-01 00:00:00;2",
        "2024-01-01 00:30:00;3",
    ]
    assert lines(files["content_summary.csv"]) == [
        ";filename;year;kind",
        "0;export_serie_0.csv;2020;a",
        '1;export_serie_1.csv;2021;"b;c"',
    ]
    assert list(request._messages) == []


def test_the_csv_values_are_the_stored_ones(db):
    rng = np.random.default_rng(1)
    stored = S(rng.random(500), tz="Europe/Paris")
    YearKindSeries.set_ts({"year": 2020, "kind": "a"}, stored)
    response, _ = run_action(YearKindSeries, YearKindSeries.objects.values_list("pk", flat=True))
    got = read_csv(unzip(response)["export_serie_0.csv"])
    got.index = pd.to_datetime(got.index, utc=True).tz_convert("Europe/Paris")
    want = YearKindSeries.get_ts({"year": 2020, "kind": "a"}, flat=True)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=5e-9)
    assert got.index.equals(want.index)


def test_index_names_and_booleans(db):
    named = S([1.5, 2.5]).rename_axis("horodate")
    YearKindSeries.set_ts({"year": 1, "kind": "named"}, named)
    YearKindSeries.set_ts({"year": 2, "kind": "bool"}, S([True, False]))
    response, _ = run_action(YearKindSeries, YearKindSeries.objects.values_list("pk", flat=True))
    files = unzip(response)
    assert lines(files["export_serie_0.csv"])[0] == "horodate;data"
    assert lines(files["export_serie_1.csv"])[1:] == [
        "2024-01-01 00:00:00+00:00;True",
        "2024-01-01 00:30:00+00:00;False",
    ]


def test_files_follow_the_querysets_order(two_series):
    ma = model_admin(YearKindSeries)
    request = post("download_timeseries_from_store", two_series)
    newest_first = YearKindSeries.objects.order_by("-year")
    files = unzip(download_timeseries_from_store(ma, request, newest_first))
    assert lines(files["content_summary.csv"])[1:] == [
        '0;export_serie_0.csv;2021;"b;c"',
        "1;export_serie_1.csv;2020;a",
    ]
    assert lines(files["export_serie_0.csv"])[1] == "2024-01-01 00:00:00;2"


def test_only_the_selected_series_are_exported(two_series):
    response, _ = run_action(YearKindSeries, two_series[1:])
    files = unzip(response)
    assert DISPOSITION.fullmatch(response["Content-Disposition"]).group(1) == "1"
    assert lines(files["content_summary.csv"])[1:] == ['0;export_serie_0.csv;2021;"b;c"']


def test_an_empty_selection_answers_a_message(db):
    ma = model_admin(YearKindSeries)
    request = post("download_timeseries_from_store", [])
    assert download_timeseries_from_store(ma, request, YearKindSeries.objects.none()) is None
    [message] = list(request._messages)
    assert (message.message, message.level) == (
        "Please select at least one object",
        messages.WARNING,
    )


def test_a_row_without_data_exports_an_empty_file(db):
    YearKindSeries.objects.create(year=1, kind="x", data=None)
    response, _ = run_action(YearKindSeries, YearKindSeries.objects.values_list("pk", flat=True))
    assert lines(unzip(response)["export_serie_0.csv"]) == [";data"]


def test_the_rows_are_read_with_one_query(db):
    for year in range(30):
        YearKindSeries.set_ts({"year": year, "kind": "a"}, S([float(year)]))
    ma = model_admin(YearKindSeries)
    request = post("download_timeseries_from_store", [])
    with CaptureQueriesContext(connection) as queries:
        files = unzip(download_timeseries_from_store(ma, request, YearKindSeries.objects.all()))
    assert len(queries) == 1 and len(files) == 31
    assert lines(files["export_serie_29.csv"])[1] == "2024-01-01 00:00:00+00:00;29.00000000"


# ---------------------------------------------------------------------- Store
@pytest.fixture
def versions():
    LoadStore.set_lc("p1", S([1.0, np.nan, 1 / 3]), 1, versionning=True)
    LoadStore.set_lc("p1", S([5.0, 6.0]), 1, versionning=True)
    LoadStore.set_lc("p1", S([7.0]), 2)  # another client, same prm
    LoadStore.set_lc("p2", S([8.0]), 1)


@pytest.mark.parametrize(
    ("order", "p1"),
    [(("version",), ["1.00000000", "6.00000000"]), (("-version",), ["5.00000000", "6.00000000"])],
    ids=["oldest-first", "newest-first"],
)
def test_store_versions_combine_in_the_querysets_order(versions, order, p1):
    ma = model_admin(LoadStore)
    request = post("download_timeseries_from_legacy_store", [])
    selection = LoadStore.objects.order_by("client_id", "prm", *order)
    response = download_timeseries_from_legacy_store(ma, request, selection)
    assert DISPOSITION.fullmatch(response["Content-Disposition"]).group(1, 2) == ("3", "LoadStore")
    files = unzip(response)
    assert [line.split(";")[1] for line in lines(files["export_serie_0.csv"])[1:]] == [
        *p1,
        "0.33333333",
    ]
    summary = pd.read_csv(io.StringIO(files["content_summary.csv"]), sep=";", index_col=0)
    assert list(summary.columns) == [
        "filename",
        "id",
        "client_id",
        "prm",
        "last_modified",
        "created_at",
        "version",
    ]
    assert summary[["client_id", "prm"]].values.tolist() == [[1, "p1"], [1, "p2"], [2, "p1"]]
    first = LoadStore.objects.get(client_id=1, prm="p1", version=1 if order[0][0] == "-" else 0)
    assert summary["id"].tolist()[0] == first.pk
    assert summary["last_modified"][0] == str(first.last_modified)
    assert lines(files["export_serie_2.csv"])[1:] == ["2024-01-01 00:00:00+00:00;7.00000000"]


def test_store_fields_of_the_users_own_come_last(db):
    YearLoadStore.set_lc("p", S([1.0]), 1, attributes_to_set={"year": 2024})
    response, _ = run_action(
        YearLoadStore,
        YearLoadStore.objects.values_list("pk", flat=True),
        "download_timeseries_from_legacy_store",
    )
    header = lines(unzip(response)["content_summary.csv"])[0]
    assert header == ";filename;id;client_id;prm;last_modified;created_at;version;year"


# ---------------------------------------------------------------------- TimeseriesChunkStore
def test_chunks_export_one_file_per_chunk_over_its_period(db):
    idx = pd.date_range("2024-01-31 22:00", periods=4, freq="h", tz="Europe/Paris")
    HourlyStore.set_ts({"version": 1, "kind": "a"}, pd.Series([1.0, 2.0, 3.0, 4.0], index=idx))
    HourlyStore.set_ts({"version": 2, "kind": "b"}, pd.Series([5.0], index=idx[:1]))
    HourlyStore.objects.filter(version=2).delete()  # a tombstone
    selection = HourlyStore.objects.order_by("version", "chunk_index")
    ma = model_admin(HourlyStore)
    request = post("download_timeseries_from_chunkstore", [])
    response = download_timeseries_from_chunkstore(ma, request, selection)
    match = DISPOSITION.fullmatch(response["Content-Disposition"])
    assert match.group(1, 2) == ("3", "HourlyStore")
    files = unzip(response)
    january = lines(files["export_serie_0.csv"])
    assert january[0] == ";data" and len(january) == 1 + 31 * 24
    assert january[1] == "2024-01-01 00:00:00+01:00;"
    assert january[-2:] == [
        "2024-01-31 22:00:00+01:00;1.00000000",
        "2024-01-31 23:00:00+01:00;2.00000000",
    ]
    february = lines(files["export_serie_1.csv"])
    assert len(february) == 1 + 29 * 24 and february[1:3] == [
        "2024-02-01 00:00:00+01:00;3.00000000",
        "2024-02-01 01:00:00+01:00;4.00000000",
    ]
    assert lines(files["export_serie_2.csv"]) == [";data"]  # the tombstone
    summary = pd.read_csv(io.StringIO(files["content_summary.csv"]), sep=";", index_col=0)
    assert list(summary.columns) == [
        "filename",
        "chunk_index",
        "start_ts",
        "dtype",
        "updated_at",
        "is_deleted",
        "version",
        "kind",
    ]
    assert summary[["chunk_index", "is_deleted", "version"]].values.tolist() == [
        [2024 * 12, False, 1],
        [2024 * 12 + 1, False, 1],
        [2024 * 12, True, 2],
    ]
    assert summary["start_ts"][1] == "2024-01-31 23:00:00+00:00"


def test_other_models_are_refused(db):
    FrameStore.update_or_create_df(1, "k", pd.DataFrame({"a": [1]}))
    with pytest.raises(TypeError, match="TimeseriesStore, a Store or a TimeseriesChunkStore"):
        download_timeseries_from_store(
            model_admin(FrameStore), post("x", []), FrameStore.objects.all()
        )


# ---------------------------------------------------------------------- packaging
def test_the_old_path_and_the_descriptions():
    assert admin_actions.download_timeseries_from_store is download_timeseries_from_store
    assert admin_actions.download_timeseries_from_legacy_store is (
        download_timeseries_from_legacy_store
    )
    assert admin_actions.download_timeseries_from_chunkstore is (
        download_timeseries_from_chunkstore
    )
    for action in (download_timeseries_from_store, download_timeseries_from_legacy_store):
        assert action.short_description == "Download selected timeseries"
    assert download_timeseries_from_chunkstore.short_description == (
        "Download selected timeseries chunks"
    )


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (a fresh app registry) from the repository."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_package_imports_without_the_admin_app():
    out = _python(
        """
        import sys
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "hostore"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        )
        import django
        django.setup()
        import hostore.admin, hostore.admin_actions
        print("django.contrib.admin" in sys.modules, hostore.admin.__all__[-1])
        """
    )
    assert out == "False download_timeseries_from_store"


def test_admin_autodiscovery_imports_the_package():
    out = _python(
        """
        import sys
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=[
                "django.contrib.contenttypes", "django.contrib.auth", "django.contrib.messages",
                "django.contrib.sessions", "django.contrib.admin", "hostore",
            ],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        )
        import django
        django.setup()  # the admin's ready() autodiscovers every app's admin module
        print("hostore.admin" in sys.modules)
        """
    )
    assert out == "True"

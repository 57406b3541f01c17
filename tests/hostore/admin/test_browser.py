"""The series admin in a real browser: headless Chromium (Debian's ``/usr/bin/chromium``)
driven by Playwright, against a live server.

Logs in through the form, filters the list, opens a series' chart and reads back the points
drawn (``window.hostoreChart``), zooms by dragging across the plot and checks the window
fetched, then downloads the zip and compares its CSV with the stored values.

Without Chromium or Playwright the test is skipped, except under
``HOSTORE_REQUIRE_POSTGRES=1`` (the CI run), where it fails.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest
from django.contrib.auth.models import User

from tests.testapp.models import YearlyStore

CHROMIUM = os.environ.get("HOSTORE_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "browser-pw-1"


def _require(reason: str) -> None:
    if os.environ.get("HOSTORE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}: the browser test must run in CI (scripts/test installs it)")
    pytest.skip(reason)


@pytest.fixture
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _require(f"no Chromium at {CHROMIUM}")
    return sync_playwright


@pytest.fixture
def stored(transactional_db) -> dict[str, pd.Series]:
    """Three weeks of 30-minute values for two meters, written and read back."""
    User.objects.create_superuser("browser", "b@example.org", PASSWORD)
    rng = np.random.default_rng(7)
    idx = pd.date_range("2024-05-01", periods=48 * 21, freq="30min", tz="Europe/Paris")
    out = {}
    for meter in ("A1", "B2"):
        serie = pd.Series(np.round(rng.random(len(idx)) * 50, 2), idx)
        serie.iloc[100:110] = np.nan
        YearlyStore.set_ts({"meter": meter}, serie)
        out[meter] = YearlyStore.get_ts({"meter": meter})
    return out


def drawn(page) -> tuple[list[float], list]:
    data = page.evaluate("window.hostoreChart.data")
    return data[0], data[1]


def expected_points(serie: pd.Series) -> tuple[list[float], list[float]]:
    present = serie.dropna()
    return [t.timestamp() for t in present.index], present.tolist()


def test_login_filter_chart_zoom_download(live_server, stored, playwright_api, tmp_path):
    base = live_server.url
    with playwright_api() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(accept_downloads=True, viewport={"width": 1200, "height": 900})
            page.set_default_timeout(20_000)
            # log in through the form
            page.goto(f"{base}/admin/login/?next=/admin/testapp/yearlystore/")
            page.fill("#id_username", "browser")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_selector("#result_list")
            assert page.locator("tr.hostore-line").count() == 2
            # filter the list
            page.fill("input[name=meter]", "B2")
            page.click("#hostore-filter-submit")
            page.wait_for_url("**/yearlystore/?meter=B2**")
            rows = page.locator("tr.hostore-line")
            assert rows.count() == 1
            assert rows.locator("td.hostore-key").inner_text() == "B2"
            assert rows.locator("td.hostore-values").inner_text() == str(stored["B2"].count())
            # open the series: the chart draws the stored points
            rows.locator("a.hostore-chart-link").click()
            page.wait_for_selector("#hostore-chart[data-state=ready]")
            assert page.locator("#hostore-chart canvas").count() == 1
            assert page.evaluate("window.hostoreChart.downsampled") is False
            times, values = drawn(page)
            assert (times, values) == expected_points(stored["B2"])
            # zoom: drag across the middle of the plot; the window is fetched again
            box = page.locator("#hostore-chart .u-over").bounding_box()
            y = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + box["width"] * 0.40, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=5)
            page.mouse.up()
            page.wait_for_function("window.hostoreChart.fetches === 2")
            page.wait_for_selector("#hostore-chart[data-state=ready]")
            window = page.evaluate("window.hostoreChart.window")
            lo = pd.Timestamp(window["start"], unit="s", tz="UTC")
            hi = pd.Timestamp(window["end"], unit="s", tz="UTC")
            inside = stored["B2"][(stored["B2"].index >= lo) & (stored["B2"].index <= hi)]
            times, values = drawn(page)
            assert 10 < len(times) < len(stored["B2"]) / 5
            assert (times, values) == expected_points(inside)
            assert np.all(np.diff(times) == 1800)  # every point, at the store's resolution
            # back to the filtered list: download the selected series as a zip
            page.go_back()
            page.wait_for_selector("#result_list")
            page.check("tr.hostore-line input[name=s]")
            with page.expect_download() as info:
                page.click("#hostore-download-zip")
            path = tmp_path / "series.zip"
            info.value.save_as(path)
        finally:
            browser.close()
    archive = zipfile.ZipFile(path)
    assert sorted(archive.namelist()) == ["content_summary.csv", "export_serie_0.csv"]
    frame = pd.read_csv(io.BytesIO(archive.read("export_serie_0.csv")), sep=";", index_col=0)
    got = frame["data"].set_axis(pd.to_datetime(frame.index, utc=True))
    want = stored["B2"]
    assert (got.index == want.index).all()
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-8)
    assert archive.read("content_summary.csv").decode().splitlines()[1] == (
        "0;export_serie_0.csv;B2"
    )

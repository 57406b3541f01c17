"""yield_many_ts streams: memory stays bounded by about one series, not the table."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
from django.test.utils import override_settings

from tests.testapp.models import YearlyStore

N_SERIES = 40


def test_yield_many_ts_holds_about_one_series_at_a_time(db):
    rng = np.random.default_rng(7)
    index = pd.date_range("2024-01-01", "2024-12-31 23:30", freq="30min", tz="Europe/Paris")
    # random floats do not compress: buffering every blob would cost as much as the table
    mapping = {f"m{i:03d}": pd.Series(rng.random(len(index)), index=index) for i in range(N_SERIES)}
    YearlyStore.set_many_ts(mapping, keys=("meter",))
    one_series = len(index) * 8
    with override_settings(HOSTORE={"READ_CHUNK_SIZE": 2}):
        tracemalloc.start()
        try:
            seen, total = 0, 0.0
            for serie, attrs in YearlyStore.yield_many_ts({}):
                assert serie.equals(mapping[attrs["meter"]])
                seen, total = seen + 1, total + serie.sum()
                del serie
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert seen == N_SERIES
    assert total == sum(s.sum() for s in mapping.values())
    assert peak < 8 * one_series < N_SERIES * one_series / 4

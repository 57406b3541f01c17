import numpy as np
import pandas as pd

from tests.testapp.models import HourlyStore


def test_round_trip_of_a_year(db):
    idx = pd.date_range("2024-01-01", "2024-12-31 23:00", freq="1h", tz="Europe/Paris")
    serie = pd.Series(np.arange(len(idx), dtype=float), index=idx)
    HourlyStore.set_ts({"version": 1, "kind": "a"}, serie)
    pd.testing.assert_series_equal(HourlyStore.get_ts({"version": 1, "kind": "a"}), serie)

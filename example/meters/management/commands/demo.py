"""Store a year of 30-minute load curves for a few meters, read them back, update them."""

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand

from meters.models import LoadCurve


def load_curve(seed: int, index: pd.DatetimeIndex) -> pd.Series:
    """A plausible household curve in watts: daily and seasonal shape plus noise."""
    rng = np.random.default_rng(seed)
    hours = index.hour + index.minute / 60
    daily = 300 + 250 * np.exp(-((hours - 19.5) ** 2) / 6) + 120 * np.exp(-((hours - 8) ** 2) / 3)
    seasonal = 1 + 0.35 * np.cos(2 * np.pi * (index.day_of_year - 15) / 365)
    watts = np.round(daily * seasonal * rng.lognormal(0, 0.15, len(index)))
    return pd.Series(watts, index=index)


class Command(BaseCommand):
    help = "Write, read and update a year of 30-minute load curves for a few meters."

    def add_arguments(self, parser):
        parser.add_argument("--meters", type=int, default=5)
        parser.add_argument("--year", type=int, default=2024)

    def handle(self, *args, meters, year, **options):
        index = pd.date_range(
            f"{year}-01-01", f"{year}-12-31 23:30", freq="30min", tz="Europe/Paris"
        )
        curves = {(f"{i:014d}", 0): load_curve(i, index) for i in range(meters)}
        LoadCurve.objects.filter(version=0).delete(hard_delete=True)

        LoadCurve.set_many_ts(curves, keys=("meter", "version"))
        rows = LoadCurve.objects.filter(version=0).count()
        self.stdout.write(f"stored {meters} meters x {len(index)} points in {rows} chunk rows")

        first = LoadCurve.get_ts({"meter": "00000000000000", "version": 0})
        assert first.equals(curves[("00000000000000", 0)]), "read back differs"
        self.stdout.write(
            f"read back meter 0 exactly: {len(first)} points, freq={first.index.freqstr}"
        )

        day = LoadCurve.get_ts(
            {"meter": "00000000000001", "version": 0},
            start=f"{year}-03-31",
            end=f"{year}-03-31 23:59",
        )
        self.stdout.write(f"DST day {year}-03-31 has {len(day)} half-hours; peak {day.max():.0f} W")

        patch = pd.Series(0.0, index=index[100:148])  # a day of corrected readings
        LoadCurve.set_ts({"meter": "00000000000002", "version": 0}, patch, update=True)
        patched = LoadCurve.get_ts({"meter": "00000000000002", "version": 0})
        self.stdout.write(f"after update, meter 2 holds {int((patched == 0).sum())} zeroed slots")

        total = sum(s.sum() for s, _ in LoadCurve.yield_many_ts({"version": 0})) / 2 / 1000
        self.stdout.write(f"energy over all meters: {total:,.0f} kWh")
        wide = LoadCurve.get_many_ts({"version": 0}, start=f"{year}-06-01", end=f"{year}-06-07")
        self.stdout.write(f"one week, all meters: a {wide.shape[0]} x {wide.shape[1]} DataFrame")
        size = sum(len(b) for b in LoadCurve.objects.values_list("data", flat=True))
        self.stdout.write(
            self.style.SUCCESS(f"done: {size / (meters * len(index)):.2f} stored bytes per point")
        )

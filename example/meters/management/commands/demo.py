"""Store a year of 30-minute load curves for a few meters, read them back, update them, ask
questions across them (coverage, holes, total load, daily energy); then the same curves in
the key:value stores of holcstore 0.5/0.6 (versions, holes, forecasts, a monthly report as a
DataFrame)."""

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand

from meters.models import CurveCache, Forecast, LoadCurve, Report


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
        if meters > 1:  # two days of meter 1 never arrived: replace its curve with a gap
            received = curves[("00000000000001", 0)].drop(index[2000:2096])
            LoadCurve.set_ts({"meter": "00000000000001", "version": 0}, received, replace=True)
        year_start, year_end = f"{year}-01-01", f"{year}-12-31 23:30"
        coverage = LoadCurve.coverage({"version": 0}, start=year_start, end=year_end)
        self.stdout.write(
            f"coverage: {int(coverage['missing'].sum())} missing half-hours over "
            f"{len(coverage)} meters (from the statistics stored with each chunk)"
        )
        for attrs, holes in LoadCurve.holes({"version": 0}, start=year_start, end=year_end):
            for first, last in holes:
                self.stdout.write(f"  meter {attrs['meter']}: no data from {first} to {last}")
        load = LoadCurve.total_ts({"version": 0})  # watts, summed over the meters per slot
        self.stdout.write(f"total load: peak {load.max() / 1000:,.1f} kW at {load.idxmax()}")
        daily = LoadCurve.aggregate_ts({"version": 0}, period="day") / 2 / 1000  # kWh per day
        slots = LoadCurve.aggregate_ts({"version": 0}, period="day", how="count").iloc[:, 0]
        short = slots.idxmin()  # the spring DST day: 23 hours
        self.stdout.write(
            f"daily energy: {daily.shape[0]} local days x {daily.shape[1]} meters; "
            f"{short.date()} holds {slots[short]:.0f} half-hours, "
            f"{daily.loc[short].sum():,.0f} kWh in all"
        )
        wide = LoadCurve.get_many_ts({"version": 0}, start=f"{year}-06-01", end=f"{year}-06-07")
        self.stdout.write(f"one week, all meters: a {wide.shape[0]} x {wide.shape[1]} DataFrame")
        size = sum(len(b) for b in LoadCurve.objects.values_list("data", flat=True))
        self.stdout.write(f"chunk store: {size / (meters * len(index)):.2f} stored bytes per point")
        self.key_value_stores({meter: serie for (meter, _), serie in curves.items()}, year)
        self.stdout.write(self.style.SUCCESS("done"))

    def key_value_stores(self, curves: dict[str, pd.Series], year: int) -> None:
        """The same curves in the stores of holcstore 0.5/0.6."""
        CurveCache.clear_all(client_id=1)
        gappy = {
            m: s.drop(s.index[1000:1096]) if i == 1 else s
            for i, (m, s) in enumerate(curves.items())
        }
        CurveCache.set_many_lc(gappy, client_id=1)  # one transaction, a few statements
        first = next(iter(curves))
        fix = curves[first].iloc[200:248] * 0  # a later delivery: one day of corrections
        CurveCache.set_lc(first, fix, client_id=1, versionning=True)
        [entry] = CurveCache.get_lc(first, client_id=1)  # versions combined: newest wins
        self.stdout.write(
            f"curve cache: {CurveCache.count(1)} rows; meter {first} read as version "
            f"{entry['version']} with {int((entry['data'] == 0).sum())} corrected slots"
        )
        start, end = curves[first].index[0], curves[first].index[-1]
        for prm, holes in CurveCache.find_holes(1, start, end):
            if holes:
                self.stdout.write(f"meter {prm} misses {holes[0][0]} to {holes[0][1]}")

        profile = curves[first].groupby(curves[first].index.time).mean()
        tomorrow = pd.date_range(end + pd.Timedelta("30min"), periods=48, freq="30min")
        forecast = pd.Series(profile.to_numpy(), index=tomorrow)
        Forecast.clear({})
        Forecast.set_ts({"meter": first, "horizon": "d+1"}, forecast)
        got = Forecast.get_ts({"meter": first, "horizon": "d+1"}, flat=True)
        self.stdout.write(
            f"forecast of meter {first}: {len(got)} half-hours, {got.max():.0f} W peak"
        )

        monthly = pd.DataFrame(
            {m: s.resample("MS").sum() / 2000 for m, s in curves.items()}
        )  # kWh per month and meter
        Report.update_or_create_df(1, f"{year} monthly energy", monthly, meta={"unit": "kWh"})
        back = Report.load_df(1, f"{year} monthly energy")
        assert back.equals(monthly), "the report read back differs"
        self.stdout.write(f"report: {back.shape[0]} months x {back.shape[1]} meters, kept exactly")

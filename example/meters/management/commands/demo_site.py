"""Fill the example site with demo data and make an admin login (``scripts/example serve``)."""

from __future__ import annotations

import secrets

import pandas as pd
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from meters.demo_data import demo_curves
from meters.models import CurveCache, Forecast, LoadCurve, Report

_BATCH = 25  # meters per set_many_ts call: a progress step, and bounded memory


class Command(BaseCommand):
    help = (
        "Store demo load curves (a few hundred meters over two years, with gaps) in every "
        "store of the example and create or reset the admin user; prints the login."
    )
    SKIPPED = "the demo data is already there ({series} series): pass --reset to write it again"
    STORED = "stored {series} demo meters x {points} half-hours ({rows} chunk rows)"
    LOGIN = "admin login: user {user!r}, password {password!r}"

    def add_arguments(self, parser):
        parser.add_argument("--meters", type=int, default=300, help="demo meters (300)")
        parser.add_argument("--first-year", type=int, default=2024, help="first year (2024)")
        parser.add_argument("--years", type=int, default=2, help="years of data (2)")
        parser.add_argument("--reset", action="store_true", help="delete and rewrite the data")
        parser.add_argument("--user", default="admin", help="admin user name (admin)")
        parser.add_argument("--password", help="admin password (default: a random one)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, meters, first_year, years, reset, user, password, **options):
        existing = LoadCurve.objects.alive().values("meter", "version").distinct().count()
        if existing and not reset:
            self.stdout.write(self.SKIPPED.format(series=existing))
        else:
            self._store(meters, first_year, years, options["no_progress"])
        password = password or secrets.token_urlsafe(9)
        self._admin(user, password)
        self.stdout.write(self.LOGIN.format(user=user, password=password))

    def _store(self, meters: int, first_year: int, years: int, quiet: bool) -> None:
        LoadCurve.objects.all().delete(hard_delete=True)
        curves = demo_curves(meters, first_year, years)
        items = list(curves.items())
        with tqdm(total=meters, unit="meter", disable=quiet, desc="load curves") as bar:
            for start in range(0, len(items), _BATCH):
                batch = dict(items[start : start + _BATCH])
                LoadCurve.set_many_ts(batch, keys=("meter", "version"))
                bar.update(len(batch))
        points = len(next(iter(curves.values())))
        self.stdout.write(
            self.STORED.format(series=meters, points=points, rows=LoadCurve.objects.count())
        )
        self._key_value_stores(curves, first_year + years - 1)

    def _key_value_stores(self, curves: dict, last_year: int) -> None:
        """A few meters in the stores of holcstore 0.5/0.6: versions, forecasts, a report."""
        few = {meter: serie for (meter, _), serie in list(curves.items())[:20]}
        CurveCache.clear_all(client_id=1)
        CurveCache.set_many_lc({m: s.dropna() for m, s in few.items()}, client_id=1)
        first = next(iter(few))
        correction = few[first].iloc[200:248].fillna(0) * 0.9
        CurveCache.set_lc(first, correction, client_id=1, versionning=True)

        Forecast.clear({})
        with transaction.atomic():
            for meter, serie in few.items():
                last_week = serie.loc[str(last_year)].iloc[-48 * 7 :]
                profile = last_week.groupby(last_week.index.time).mean().to_numpy()
                day = pd.date_range(
                    serie.index[-1] + pd.Timedelta("30min"), periods=48, freq="30min"
                )
                Forecast.set_ts({"meter": meter, "horizon": "d+1"}, pd.Series(profile, index=day))

        monthly = pd.DataFrame({m: s.resample("MS").sum() / 2000 for m, s in few.items()})
        Report.update_or_create_df(1, "monthly energy (kWh)", monthly, meta={"unit": "kWh"})

    def _admin(self, name: str, password: str) -> None:
        users = get_user_model()
        account, _ = users.objects.get_or_create(username=name)
        account.is_staff = account.is_superuser = True
        account.set_password(password)
        account.save()

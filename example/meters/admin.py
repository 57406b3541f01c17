"""The example's stores in the admin: series lists, charts and downloads (``hostore.admin``)."""

from django.contrib import admin

from hostore.admin import StoreAdmin, TimeseriesChunkStoreAdmin, TimeseriesStoreAdmin

from .models import CurveCache, Forecast, LoadCurve

admin.site.register(LoadCurve, TimeseriesChunkStoreAdmin)
admin.site.register(CurveCache, StoreAdmin)
admin.site.register(Forecast, TimeseriesStoreAdmin)

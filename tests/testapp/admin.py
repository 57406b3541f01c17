"""The test stores in the admin: a chunk store, a Store and a TimeseriesStore."""

from django.contrib import admin

from hostore.admin import StoreAdmin, TimeseriesChunkStoreAdmin, TimeseriesStoreAdmin

from .models import HourlyStore, LoadStore, TypedKeyStore, YearKindSeries, YearlyStore

admin.site.register(YearlyStore, TimeseriesChunkStoreAdmin)
admin.site.register(HourlyStore, TimeseriesChunkStoreAdmin)
admin.site.register(TypedKeyStore, TimeseriesChunkStoreAdmin)
admin.site.register(LoadStore, StoreAdmin)
admin.site.register(YearKindSeries, TimeseriesStoreAdmin)

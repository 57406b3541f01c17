"""Sync endpoints of the legacy stores, served by holcstore 0.6's own ViewSet."""

from django.urls import include, path
from legacy_site.models import STORES
from rest_framework import routers

from hostore.utils.ts_sync import TimeseriesChunkStoreSyncViewSet

router = routers.SimpleRouter()
for name, model in STORES.items():
    router.register(f"sync/{name}", TimeseriesChunkStoreSyncViewSet.as_factory(model), name)

urlpatterns = [path("api/", include(router.urls))]

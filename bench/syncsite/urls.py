"""The sync endpoints of the benchmark's stores: ``api/sync/<name>/`` for each of
:data:`.models.STORES`, served by hostore's own ViewSet with its defaults."""

from django.urls import include, path
from rest_framework import routers

from hostore.sync import TimeseriesChunkStoreSyncViewSet

from .models import STORES

router = routers.SimpleRouter()
for name, model in STORES.items():
    router.register(f"sync/{name}", TimeseriesChunkStoreSyncViewSet.as_factory(model), name)

urlpatterns = [path("api/", include(router.urls))]

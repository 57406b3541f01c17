"""The test project's URLs: sync endpoints of test stores, their OpenAPI schema, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.throttling import ScopedRateThrottle

from hostore.utils.ts_sync import TimeseriesChunkStoreSyncViewSet
from tests.testapp.models import HourlyStore, TypedKeyStore, YearlyStore, ZstdStore

router = routers.SimpleRouter()
router.register("sync/hourly", TimeseriesChunkStoreSyncViewSet.as_factory(HourlyStore), "hourly")
router.register("sync/yearly", TimeseriesChunkStoreSyncViewSet.as_factory(YearlyStore), "yearly")
router.register("sync/zstd", TimeseriesChunkStoreSyncViewSet.as_factory(ZstdStore), "zstd")
router.register("sync/typed", TimeseriesChunkStoreSyncViewSet.as_factory(TypedKeyStore), "typed")
router.register(
    "sync/private",
    TimeseriesChunkStoreSyncViewSet.as_factory(
        HourlyStore,
        authentication_classes=[TokenAuthentication],
        permission_classes=[IsAuthenticated],
    ),
    "private",
)
router.register(
    "sync/throttled",
    TimeseriesChunkStoreSyncViewSet.as_factory(
        HourlyStore, throttle_classes=[ScopedRateThrottle], throttle_scope="sync-test"
    ),
    "throttled",
)

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("admin/", admin.site.urls),
]

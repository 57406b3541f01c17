"""The example's URLs: the admin (series lists and charts), the sync endpoints of the
load-curve store, and their OpenAPI schema.

A client deployment pulls with ``manage.py hostore_pull
http://<host>/api/sync/loadcurves/ meters.LoadCurve``. Protect the endpoints in production
with ``permission_classes`` / ``authentication_classes`` passed to ``as_factory``.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from meters.models import LoadCurve
from rest_framework import routers

from hostore.utils.ts_sync import TimeseriesChunkStoreSyncViewSet

router = routers.SimpleRouter()
router.register(
    "sync/loadcurves", TimeseriesChunkStoreSyncViewSet.as_factory(LoadCurve), "loadcurves"
)

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
]

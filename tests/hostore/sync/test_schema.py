"""The OpenAPI schema of the sync endpoints, and a property-based fuzzer (schemathesis) run
against it: whatever it sends, the server answers without a 5xx."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from tests.testapp.models import HourlyStore, TypedKeyStore

from .test_pull import serie


def openapi() -> dict:
    answer = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    return json.loads(answer.content)


def test_the_schema_describes_both_endpoints_of_each_store(db):
    paths = openapi()["paths"]
    for prefix in ("hourly", "zstd", "typed"):
        updates = paths[f"/api/sync/{prefix}/updates/"]["get"]
        names = {p["name"] for p in updates["parameters"]}
        assert {"since", "limit", "offset"} <= names
        pack = paths[f"/api/sync/{prefix}/pack/"]
        content = pack["post"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "application/vnd.hostore.pack"}
        assert pack["get"]["deprecated"] is True
    hourly = {
        p["name"]: p["schema"] for p in paths["/api/sync/hourly/updates/"]["get"]["parameters"]
    }
    assert hourly["version"]["type"] == "integer" and hourly["kind"]["maxLength"] == 20
    typed = {p["name"]: p["schema"] for p in paths["/api/sync/typed/updates/"]["get"]["parameters"]}
    assert typed["day"]["format"] == "date" and typed["uid"]["format"] == "uuid"


schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
    path_regex=r"^/api/sync/(hourly|typed)/"
)


@pytest.fixture
def stored(db):
    # As Django's test client does: the app must not close the test's connection after
    # each request (the test's transaction holds the data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    HourlyStore.set_ts({"version": 1, "kind": "a"}, serie())
    HourlyStore.set_ts({"version": 2, "kind": "b"}, serie(scale=3.0))
    yield HourlyStore
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_makes_the_server_fail(stored, case):
    before = HourlyStore.objects.count(), TypedKeyStore.objects.count()
    response = case.call()
    case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])
    assert response.status_code < 500
    assert (HourlyStore.objects.count(), TypedKeyStore.objects.count()) == before

"""Shared fixtures: the database vendor, store snapshots, and a rollback helper."""

from __future__ import annotations

import contextlib
import os

import pytest
from django.db import connection, transaction


def pytest_collection_modifyitems(config, items):
    vendor = connection.vendor
    required = os.environ.get("HOSTORE_REQUIRE_POSTGRES") == "1"
    if required and vendor != "postgresql":
        raise pytest.UsageError(
            f"HOSTORE_REQUIRE_POSTGRES=1 but DATABASE_URL points to {vendor}: set it to PostgreSQL"
        )
    skip = pytest.mark.skip(reason="PostgreSQL only: runs in the PostgreSQL pass")
    for item in items:
        if "postgres" in item.keywords and vendor != "postgresql":
            item.add_marker(skip)


def snapshot(model) -> list[tuple]:
    """Every row of a store, tombstones included: compare before/after to prove no change."""
    fields = [f.attname for f in model._meta.concrete_fields]
    return [
        tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        for row in model._default_manager.order_by("pk").values_list(*fields)
    ]


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    """Run a block in a transaction that is always rolled back (one hypothesis example)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass

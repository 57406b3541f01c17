"""Shared fixtures: the database vendor, store snapshots, and a rollback helper."""

from __future__ import annotations

import contextlib
import os

import pytest
from django.db import connection, transaction

# HOSTORE_CITUS=1: DATABASE_URL is a Citus coordinator (the third database pass)
CITUS = os.environ.get("HOSTORE_CITUS") == "1"
CITUS_SHARDS = 4
_SOURCE = dict(connection.settings_dict)  # before pytest-django points it to the test database


def pytest_configure(config):
    if CITUS:  # the test database is made on every node before Django migrates it
        config.option.reuse_db = True


def _test_db_name() -> str:
    return (_SOURCE.get("TEST") or {}).get("NAME") or f"test_{_SOURCE['NAME']}"


def pytest_sessionstart(session):
    if CITUS:
        from bench import cluster

        # 4 shards a table, not 32: emptying ~100 tables between tests stays quick
        cluster.create(_SOURCE, _test_db_name(), shard_count=CITUS_SHARDS)


def pytest_sessionfinish(session, exitstatus):
    if CITUS:
        from bench import cluster

        connection.close()
        cluster.drop(_SOURCE, _test_db_name())


def pytest_collection_modifyitems(config, items):
    vendor = connection.vendor
    required = os.environ.get("HOSTORE_REQUIRE_POSTGRES") == "1" or CITUS
    if required and vendor != "postgresql":
        raise pytest.UsageError(
            f"HOSTORE_REQUIRE_POSTGRES=1 but DATABASE_URL points to {vendor}: set it to PostgreSQL"
        )
    skip = pytest.mark.skip(reason="PostgreSQL only: runs in the PostgreSQL pass")
    skip_citus = pytest.mark.skip(reason="Citus only: runs in the Citus pass")
    for item in items:
        if "postgres" in item.keywords and vendor != "postgresql":
            item.add_marker(skip)
        if "citus" in item.keywords and not CITUS:
            item.add_marker(skip_citus)


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

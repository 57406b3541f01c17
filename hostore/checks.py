"""System checks: a store's settings are frozen once it holds data.

Changing ``STORE_TZ``, ``STORE_FREQ`` or ``CHUNK_AXIS`` of a store with rows would make
every read wrong, so the check compares the newest live row with what the settings say.
It reads the database only when the check framework is given databases (``migrate``,
``check --database default``).
"""

from __future__ import annotations

import numpy as np
from django.apps import apps
from django.core import checks
from django.db import DatabaseError

from . import codecs


def _mismatch(model) -> str | None:
    grid = model._hostore.grid
    row = (
        model._default_manager.filter(is_deleted=False)
        .order_by("-pk")
        .values_list("chunk_index", "start_ts", "dtype", "data")
        .first()
    )
    if row is None:
        return None
    chunk, start_ts, dtype, data = row
    try:
        lo, hi = grid.chunk_bounds(np.array([chunk]))
        expected = grid.chunk_start_datetime(chunk)
    except (OverflowError, ValueError):
        return f"chunk_index {chunk} is no period of CHUNK_AXIS={grid.chunk_axis}"
    if start_ts is not None and start_ts.tzinfo is not None and start_ts != expected:
        return f"chunk {chunk} starts at {start_ts}, the settings put it at {expected}"
    length = len(codecs.decode(data, dtype))
    if length != hi[0] - lo[0]:
        return f"chunk {chunk} holds {length} values, the settings give {hi[0] - lo[0]} slots"
    return None


@checks.register(checks.Tags.models, checks.Tags.database)
def check_frozen_settings(app_configs=None, databases=None, **kwargs):
    from .models import TimeseriesChunkStore

    if not databases:
        return []
    errors = []
    for model in apps.get_models():
        if not issubclass(model, TimeseriesChunkStore):
            continue
        try:
            problem = _mismatch(model)
        except DatabaseError:
            continue  # table not created yet
        if problem:
            errors.append(
                checks.Error(
                    f"{model._meta.label} holds data written with other store settings: {problem}.",
                    hint="Settings are frozen once data exists: restore the previous "
                    "STORE_TZ/STORE_FREQ/CHUNK_AXIS, or export the series, empty the table "
                    "and import them again.",
                    obj=model,
                    id="hostore.E001",
                )
            )
    return errors


@checks.register(checks.Tags.database)
def check_sqlite_locking(app_configs=None, **kwargs):
    """SQLite settings that make store writers fail with "database is locked" at once
    instead of queueing (see ``hostore.models._locking``)."""
    from django.conf import settings

    return sqlite_locking_warnings(settings.DATABASES)


def sqlite_locking_warnings(databases: dict) -> list:
    """The warnings of :func:`check_sqlite_locking` for a ``DATABASES`` setting."""
    warnings = []
    for alias, db in databases.items():
        if db.get("ENGINE") != "django.db.backends.sqlite3":
            continue
        options = db.get("OPTIONS") or {}
        if "timeout" in options and not options["timeout"]:
            warnings.append(
                checks.Warning(
                    f"DATABASES[{alias!r}] sets OPTIONS['timeout'] to 0: writes outside the "
                    "stores' methods fail with 'database is locked' whenever another writer "
                    "is busy, instead of waiting.",
                    hint="Remove the option (holcstore then waits HOSTORE['LOCK_TIMEOUT'] "
                    "seconds) or set a few seconds.",
                    id="hostore.W001",
                )
            )
        if str(options.get("transaction_mode", "")).upper() == "EXCLUSIVE":
            warnings.append(
                checks.Warning(
                    f"DATABASES[{alias!r}] sets OPTIONS['transaction_mode'] to EXCLUSIVE: "
                    "readers wait for every transaction unless the database is in WAL mode.",
                    hint="Use 'IMMEDIATE' (or leave the default): store writes take the "
                    "write lock first anyway.",
                    id="hostore.W002",
                )
            )
    return warnings


def _stores(app_configs=None) -> list:
    from .models._storage import blob_field

    found = (
        apps.get_models()
        if app_configs is None
        else [m for config in app_configs for m in config.get_models()]
    )
    return [model for model in found if blob_field(model)]


@checks.register(checks.Tags.models)
def check_distribute_by(app_configs=None, **kwargs):
    """A ``DISTRIBUTE_BY`` that Citus could not use (checked on every database)."""
    from .models import _citus

    return [
        checks.Error(
            f"{model._meta.label}: {problem}.",
            hint="Name one business key that every unique constraint of the store "
            "includes, or remove DISTRIBUTE_BY.",
            obj=model,
            id="hostore.E002",
        )
        for model in _stores(app_configs)
        for problem in _citus.declaration_problems(model)
    ]


@checks.register(checks.Tags.database)
def check_citus_distribution(app_configs=None, databases=None, **kwargs):
    """On a Citus database, store tables that are not distributed as declared."""
    from django.db import connections, router

    from .models import _citus

    warnings = []
    for alias in databases or ():
        connection = connections[alias]
        try:
            if not _citus.is_citus(connection):
                continue
        except DatabaseError:
            continue
        for model in _stores(app_configs):
            if not router.allow_migrate_model(alias, model):
                continue
            wanted = _citus.distribute_by(model)
            try:
                column = _citus.distributed_column(connection, model._meta.db_table)
            except DatabaseError:
                continue  # table not created yet
            if wanted is None and column is None:
                warnings.append(
                    checks.Warning(
                        f"{model._meta.label}: database {alias!r} has Citus, but the table "
                        "is not distributed: all its rows stay on the coordinator.",
                        hint="Declare DISTRIBUTE_BY = '<business key>' and run migrate.",
                        obj=model,
                        id="hostore.W003",
                    )
                )
            elif wanted is not None and column != model._meta.get_field(wanted).column:
                where = f"distributed by {column!r}" if column else "not distributed"
                warnings.append(
                    checks.Warning(
                        f"{model._meta.label} declares DISTRIBUTE_BY = {wanted!r}, but its "
                        f"table on database {alias!r} is {where}.",
                        hint="Run migrate to distribute it; a table distributed by another "
                        "column needs alter_distributed_table(table, distribution_column).",
                        obj=model,
                        id="hostore.W004",
                    )
                )
    return warnings

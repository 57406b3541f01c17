"""Databases on a Citus cluster (the benchmark's Citus pass and the tests' Citus pass).

Citus runs a distributed table's statements in the database of the same name on each
worker, and keeps its worker list per database, so a new database must exist on every
node with the extension, and know its workers, before tables are created and distributed.
The cluster (``scripts/citus start``) registers its workers in its own database, where they
are found.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql


def settings_of(url: str) -> dict:
    """Django-style ``HOST``/``PORT``/``NAME``/``USER``/``PASSWORD`` of a PostgreSQL URL."""
    parts = urlsplit(url)
    return {
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
    }


def _connect(settings: dict, host: str, port: int, dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=host,
        port=port,
        dbname=dbname,
        user=settings.get("USER") or "postgres",
        password=settings.get("PASSWORD") or None,
        autocommit=True,
    )


def _nodes(settings: dict) -> tuple[tuple[str, int], list[tuple[str, int]]]:
    """The coordinator and the workers registered in the cluster's own database."""
    host, port = settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)
    with _connect(settings, host, port, settings["NAME"]) as conn:
        rows = conn.execute(
            "SELECT nodename, nodeport FROM pg_dist_node "
            "WHERE groupid <> 0 AND noderole = 'primary' ORDER BY nodeport"
        ).fetchall()
    if not rows:
        raise RuntimeError(
            f"database {settings['NAME']!r} on {host}:{port} has no Citus workers: start the "
            "cluster (scripts/citus start)"
        )
    return (host, port), [(h, int(p)) for h, p in rows]


def create(settings: dict, name: str, shard_count: int | None = None) -> None:
    """A fresh database ``name`` on every node, with Citus and its workers registered;
    tables distributed there get ``shard_count`` shards (Citus' default: 32)."""
    (host, port), workers = _nodes(settings)
    for node_host, node_port in [(host, port), *workers]:
        with _connect(settings, node_host, node_port, "postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with _connect(settings, node_host, node_port, name) as conn:
            conn.execute("CREATE EXTENSION citus")
    with _connect(settings, host, port, name) as conn:
        if shard_count:
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET citus.shard_count = {}").format(
                    sql.Identifier(name), sql.Literal(shard_count)
                )
            )
        conn.execute("SELECT citus_set_coordinator_host(%s, %s)", [host, port])
        for node_host, node_port in workers:
            conn.execute("SELECT citus_add_node(%s, %s)", [node_host, node_port])


def drop(settings: dict, name: str) -> None:
    """Remove database ``name`` from every node."""
    (host, port), workers = _nodes(settings)
    for node_host, node_port in [(host, port), *workers]:
        with _connect(settings, node_host, node_port, "postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

"""The Citus pass: the store phases on a Citus cluster against one PostgreSQL server.

``bench/run --phases citus`` runs the store worker twice in one run, on the PostgreSQL
server of ``PG_URL`` and on the cluster of ``CITUS_URL`` (``scripts/citus start``: a
coordinator and two workers on this machine), the stores' and floors' tables distributed by
``meter``. On one machine the cluster is not expected to be faster: every statement takes
one more hop (coordinator to worker), and the three servers share the cores. What the pass
shows is that nothing is slow for a reason of the store's own: the store's time over the
floor's (raw SQL on the same bytes, distributed the same way) must stay what it is on one
server, and the rows must spread evenly over the workers.
"""

from __future__ import annotations

import argparse
import copy

from .report import PHASE_NAMES, _paired_ratio, _profiles, table


def run(args: argparse.Namespace, run_worker) -> list[dict]:
    """The store worker on ``postgres`` then on ``citus`` (no plain-Django baseline)."""
    quiet = copy.copy(args)
    quiet.django_repeat, quiet.django_profiles = 0, []
    return [run_worker(quiet, "postgres"), run_worker(quiet, "citus")]


def render(results: list[dict]) -> str:
    server, cluster = results
    rows = []
    for profile, out in _profiles(cluster):
        alone = server["profiles"][profile]
        for phase, name in PHASE_NAMES.items():
            for codec in cluster["codecs"]:
                mine, theirs = out["seconds"][phase], alone["seconds"][phase]
                store, floor = f"store:{codec}", f"floor:{codec}"
                rows.append(
                    [
                        profile,
                        name,
                        codec,
                        f"{theirs[store]['median']:.3f}",
                        f"{mine[store]['median']:.3f}",
                        f"{mine[store]['median'] / theirs[store]['median']:.2f}",
                        f"{mine[floor]['median'] / theirs[floor]['median']:.2f}",
                        f"{_paired_ratio(theirs[store], theirs[floor]):.2f}",
                        f"{_paired_ratio(mine[store], mine[floor]):.2f}",
                    ]
                )
    headers = [
        "profile",
        "phase",
        "codec",
        "server s",
        "cluster s",
        "store x",
        "floor x",
        "x floor server",
        "x floor cluster",
    ]
    parts = [
        f"== {cluster['server']} against {server['server']}: {cluster['n']} series, "
        f"median of {cluster['repeat']} ==",
        table(headers, rows),
        "store x, floor x: time on the cluster / time on the server; x floor: store / floor "
        "time in the same repeat (1 = the database's own limit), on each",
        "",
        "== rows on each worker after the last repeat ==",
        spread_table(cluster),
    ]
    return "\n".join(parts)


def spread_table(result: dict) -> str:
    rows = []
    for profile, out in _profiles(result):
        for codec, workers in out.get("spread", {}).items():
            total = sum(w["rows"] for w in workers) or 1
            for w in workers:
                rows.append(
                    [
                        profile,
                        codec,
                        w["worker"],
                        str(w["shards"]),
                        f"{w['rows']:,}",
                        f"{w['rows'] / total:.1%}",
                        f"{w['bytes'] / 1e6:.1f}",
                    ]
                )
    return table(["profile", "codec", "worker", "shards", "rows", "share", "MB"], rows)

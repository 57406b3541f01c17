"""Command line of the benchmark: ``python -m bench [--db both] [--n 200] ...`` (or ``bench/run``).

Each database runs in its own worker process (:mod:`bench.worker`) on a database created for
the run and dropped after it; this process prints the tables and saves the JSON files. The
sync phase (``--phases sync``) and the key:value phase (``--phases kv``) are run from here
(:mod:`bench.sync`, :mod:`bench.kv`): they start their own processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from time import perf_counter

from . import db, report
from .data import PROFILES
from .measure import code_info, machine_info
from .shapes import SHAPES
from .sync import QUICK_SIDES, SIDES


def _codecs(text: str | None) -> list[str]:
    from hostore import codecs

    from . import nocrc

    if not text:  # the checksum-less forms only when asked for
        return codecs.available()
    known = codecs.available() + nocrc.IDS
    wanted = [c.strip() for c in text.split(",") if c.strip()]
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise SystemExit(f"unknown codec(s) {unknown}; registered: {known}")
    return wanted


def _choices(parser, text: str | None, known: tuple[str, ...], default: str) -> list[str]:
    wanted = [w.strip() for w in (text or default).split(",") if w.strip()]
    unknown = sorted(set(wanted) - set(known))
    if unknown or not wanted:
        parser.error(f"unknown choice(s) {unknown}; choose among {', '.join(known)}")
    return [k for k in known if k in wanted]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="Benchmark of the holcstore chunk store against plain Django and the floor "
        "(raw SQL on the store's own bytes). See bench/README.md.",
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--n", type=int, default=None, help="series count (default 200)")
    parser.add_argument("--profile", choices=[*PROFILES, "both"], default="both")
    parser.add_argument("--repeat", type=int, default=None, help="repeats (default 3)")
    parser.add_argument(
        "--codecs", default=None, help="comma-separated codec ids (default: every registered one)"
    )
    parser.add_argument(
        "--skip-django", action="store_true", help="leave out the plain-Django baseline (slow)"
    )
    parser.add_argument(
        "--django-repeat",
        type=int,
        default=1,
        help="repeats of the plain-Django baseline, the first ones of --repeat (default 1)",
    )
    parser.add_argument(
        "--django-n",
        type=int,
        default=50,
        help="series the plain-Django baseline runs on, its times scaled to --n (default 50; "
        "0 = all of them, slow: about a minute per 50 series)",
    )
    parser.add_argument(
        "--django-profile",
        choices=[*PROFILES, "both"],
        default="realistic",
        help="profiles the plain-Django baseline runs on (default realistic: its cost does "
        "not depend on the values)",
    )
    parser.add_argument(
        "--phases",
        default=None,
        help="comma-separated: store (the store's phases against its baselines), sync "
        "(replication over loopback HTTP against holcstore 0.6.7 and raw transfers), kv "
        "(the key:value Store's set_many_lc, get_many_lc and find_holes against holcstore "
        "0.6.7's), admin (the chunk store's series change list against Django's default one), "
        "files (hostore_import/export against pandas), aggregates (coverage, holes, total_ts, "
        "aggregate_ts against pandas), disk (bytes per point of every codec on shapes of "
        "data, and where they go on disk), citus (the store phases on a Citus cluster "
        "against one PostgreSQL server, and the rows on each worker); default store, and all "
        "of them but citus with --quick",
    )
    parser.add_argument(
        "--sides",
        default=None,
        help=f"sync phase: comma-separated sides among {', '.join(SIDES)} (default all; "
        f"--quick: {', '.join(QUICK_SIDES)})",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: N=10, one repeat")
    parser.add_argument(
        "--kv-n", type=int, default=None, help="kv phase: curves (default --n, else 1000)"
    )
    parser.add_argument(
        "--admin-n", type=int, default=None, help="admin phase: series (default 100,000)"
    )
    parser.add_argument(
        "--files-n", type=int, default=None, help="files phase: series-years (default 1000)"
    )
    parser.add_argument(
        "--agg-n", type=int, default=None, help="aggregates phase: series-years (default 1000)"
    )
    parser.add_argument(
        "--disk-n", type=int, default=None, help="disk phase: series per shape (default 50)"
    )
    parser.add_argument(
        "--disk-shapes", default=None, help="disk phase: comma-separated shapes (default all)"
    )
    parser.add_argument(
        "--no-save", action="store_true", help="do not write bench/results/ (--quick never does)"
    )
    args = parser.parse_args(argv)
    args.phases = _choices(
        parser,
        args.phases,
        ("store", "sync", "kv", "admin", "files", "aggregates", "disk", "citus"),
        "store,sync,kv,admin,files,aggregates,disk" if args.quick else "store",
    )
    args.disk_n = args.disk_n or (2 if args.quick else 50)
    args.disk_shapes = _choices(parser, args.disk_shapes, tuple(SHAPES), ",".join(SHAPES))
    args.agg_n = args.agg_n or (10 if args.quick else 1000)
    args.admin_n = args.admin_n or (200 if args.quick else 100_000)
    default_sides = ",".join(QUICK_SIDES if args.quick else SIDES)
    args.sides = _choices(parser, args.sides, tuple(SIDES), default_sides)
    args.sync_n = args.n or (10 if args.quick else 1000)
    args.kv_n = args.kv_n or args.n or (10 if args.quick else 1000)
    args.n = args.n or (10 if args.quick else 200)
    args.repeat = args.repeat or (1 if args.quick else 3)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be positive")
    args.codecs = _codecs(args.codecs)
    args.dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    args.profiles = list(PROFILES) if args.profile == "both" else [args.profile]
    args.django_profiles = (
        [] if args.skip_django
        else list(PROFILES) if args.django_profile == "both"
        else [args.django_profile]
    )  # fmt: skip
    args.django_repeat = 0 if args.skip_django else min(args.django_repeat, args.repeat)
    args.django_n = min(args.django_n, args.n) if args.django_n > 0 else args.n
    return args


def run_worker(args: argparse.Namespace, vendor: str) -> dict:
    with db.database(vendor) as env, tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        command = [
            sys.executable, "-m", "bench.worker", "--db", vendor, "--n", str(args.n),
            "--repeat", str(args.repeat), "--profiles", *args.profiles,
            "--codecs", *args.codecs, "--django-repeat", str(args.django_repeat),
            "--django-profiles", *args.django_profiles, "--django-n", str(args.django_n),
            "--out", out,
        ]  # fmt: skip
        done = subprocess.run(command, env={**os.environ, **env})
        if done.returncode:
            raise SystemExit(f"the {vendor} benchmark failed (exit code {done.returncode})")
        with open(out) as result:
            return json.load(result)


def main(argv=None) -> None:
    args = parse_args(argv)
    started = perf_counter()
    run = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["bench/run", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine_info(),
        "code": code_info(),
        "results": [],
    }
    if "store" in args.phases:
        run["results"] += [run_worker(args, vendor) for vendor in args.dbs]
    if "sync" in args.phases:
        from . import sync
        from .worker import log

        for vendor in args.dbs:
            tag = f"[{vendor} sync N={args.sync_n}]"
            run["results"].append(
                sync.run(
                    vendor, args.sync_n, args.repeat, args.sides, lambda m, t=tag: log(f"{t} {m}")
                )
            )
    if "kv" in args.phases:
        from . import kv
        from .worker import log

        for vendor in args.dbs:
            tag = f"[{vendor} kv N={args.kv_n}]"
            run["results"].append(
                kv.run(vendor, args.kv_n, args.repeat, lambda m, t=tag: log(f"{t} {m}"))
            )
    admin_results = []
    if "admin" in args.phases:  # its own table and files: bench.admin
        from . import admin

        for vendor in args.dbs:
            admin_results.append(admin.run(vendor, args.admin_n, args.repeat, print))
    if "files" in args.phases:  # runs, prints and saves on its own: bench.files
        from . import files

        files.run_phase(args, run)
    run["total_seconds"] = round(perf_counter() - started, 1)
    print(report.render(run))
    if admin_results:
        print(admin.render(admin_results))
        if not (args.no_save or args.quick):
            print("\n".join(f"saved {p}" for p in admin.save(admin_results, run["started"])))
    if "aggregates" in args.phases:  # its own table and files: bench.aggregates
        from . import aggregates

        found = [aggregates.run(v, args.agg_n, args.repeat, print) for v in args.dbs]
        print(aggregates.render(found))
        if not (args.no_save or args.quick):
            print("\n".join(f"saved {p}" for p in aggregates.save(found, run["started"])))
    if "citus" in args.phases:  # one server and the cluster, side by side: bench.citus
        from . import citus

        found = citus.run(args, run_worker)
        print(citus.render(found))
        if not (args.no_save or args.quick):
            context = {"machine": run["machine"], "code": run["code"]}
            print(
                "\n".join(
                    f"saved {p}" for p in report.save_phase(found, run["started"], "citus", context)
                )
            )
    if "disk" in args.phases:  # its own table and files: bench.disk
        from . import disk

        found = [disk.run(v, args.disk_n, disk.CODECS, args.disk_shapes, print) for v in args.dbs]
        print(disk.render(found))
        if not (args.no_save or args.quick):
            print("\n".join(f"saved {p}" for p in disk.save(found, run["started"])))
    print(f"\ntotal {run['total_seconds']:.0f} s")
    if not (args.no_save or args.quick):
        for path in report.save(run):
            print(f"saved {os.path.relpath(path)}")


if __name__ == "__main__":
    main()

"""The benchmark on one database, in its own process (Django is set up once per database).

``python -m bench.worker --out FILE [options]`` with ``BENCH_DB`` (and the database's
location) in the environment, as :mod:`bench.__main__` runs it; writes the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from time import perf_counter, strftime


def log(message: str) -> None:
    print(f"{strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict:
    from . import db, nocrc

    nocrc.register(args.codecs)  # before Django loads the models: one table per codec
    db.setup_django()
    from .data import make_workload
    from .measure import codec_speed, memory_probe
    from .models import STORES
    from .phases import run_profile

    started = perf_counter()
    db.create_tables()
    stores = {codec: STORES[codec] for codec in args.codecs}
    result = {
        "db": args.db,
        "server": db.server_version(),
        "n": args.n,
        "repeat": args.repeat,
        "codecs": args.codecs,
        "django_repeat": args.django_repeat,
        "django_profiles": args.django_profiles,
        "django_series": args.django_n,
        "profiles": {},
    }
    for profile in args.profiles:
        tag = f"[{args.db} {profile} N={args.n}]"
        work = make_workload(profile, args.n)
        django_repeat = args.django_repeat if profile in args.django_profiles else 0
        before = db.round_trip()
        out = run_profile(
            work,
            stores,
            args.repeat,
            lambda m, t=tag: log(f"{t} {m}"),
            django_repeat=django_repeat,
            django_series=args.django_n,
        )
        out["points_per_series"] = len(work.index)
        if os.environ.get("BENCH_CITUS") == "1":  # the rows of the last repeat, on each worker
            out["spread"] = {codec: db.shard_spread(model) for codec, model in stores.items()}
        out["round_trip_s"] = (before + db.round_trip()) / 2  # the machine drifts meanwhile
        out["memory"] = {codec: memory_probe(codec, args.n) for codec in stores}
        for codec, probe in out["memory"].items():
            log(f"{tag} yield_many_ts peak of {codec}: {probe['peak_above_baseline_mb']} MB")
        if profile == "realistic":
            result["codec_speed"] = codec_speed(work, args.codecs, args.repeat)
        result["profiles"][profile] = out
        del work
    if "codec_speed" not in result:
        result["codec_speed"] = codec_speed(
            make_workload("realistic", min(args.n, 200)), args.codecs, args.repeat
        )
    result["wall_seconds"] = perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--db", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--profiles", nargs="+", required=True)
    parser.add_argument("--codecs", nargs="+", required=True)
    parser.add_argument("--django-repeat", type=int, required=True)
    parser.add_argument("--django-profiles", nargs="*", default=[])
    parser.add_argument("--django-n", type=int, default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = run(args)
    with open(args.out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()

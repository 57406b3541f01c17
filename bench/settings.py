"""Django settings of the benchmark; the database comes from the environment.

``BENCH_DB=sqlite`` uses the file ``BENCH_SQLITE_PATH``; ``BENCH_DB=postgres`` the URL
``BENCH_PG_URL`` (always a database of the benchmark's own, see :mod:`bench.db`).
"""

import os
from urllib.parse import unquote, urlsplit

SECRET_KEY = "bench-only"
DEBUG = False  # DEBUG would keep every query in memory
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = ["django.contrib.contenttypes", "hostore", "bench"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _database() -> dict:
    vendor = os.environ.get("BENCH_DB", "sqlite")
    if vendor == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BENCH_SQLITE_PATH", ":memory:"),
        }
    if vendor == "postgres":
        url = urlsplit(os.environ["BENCH_PG_URL"])
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": url.path.lstrip("/"),
            "USER": unquote(url.username or ""),
            "PASSWORD": unquote(url.password or ""),
            "HOST": url.hostname or "",
            "PORT": str(url.port or ""),
        }
    raise ValueError(f"BENCH_DB must be sqlite or postgres, not {vendor!r}")


DATABASES = {"default": _database()}

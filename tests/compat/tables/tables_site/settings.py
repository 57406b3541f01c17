"""Settings of the tables project, from the environment ``driver.py`` sets:

- ``TABLES_DB``: the path of a SQLite file, or a PostgreSQL URL (``postgres://...``);
- ``TABLES_MIGRATIONS``: the folder of the app's migrations (a package made for the test and
  shared by every side, as a project's own migrations are); empty: the app has none (its
  tables are made by ``migrate --run-syncdb``, as the benchmark does);
- ``TABLES_FRAMES=1``: declare the DataFrameStore model too (holcstore 0.6 and ours; 0.5 has
  no DataFrameStore).
"""

import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

_DB = os.environ["TABLES_DB"]
_MIGRATIONS = Path(os.environ["TABLES_MIGRATIONS"]) if os.environ["TABLES_MIGRATIONS"] else None
if _MIGRATIONS is not None:
    sys.path.insert(0, str(_MIGRATIONS.parent))

SECRET_KEY = "holcstore-tables-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
if _DB.startswith(("postgres://", "postgresql://")):
    _url = urlsplit(_DB)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _url.path.lstrip("/"),
            "USER": unquote(_url.username or ""),
            "PASSWORD": unquote(_url.password or ""),
            "HOST": _url.hostname or "",
            "PORT": str(_url.port or ""),
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _DB}}
INSTALLED_APPS = ["hostore", "tables_site"]
MIGRATION_MODULES = {"tables_site": None if _MIGRATIONS is None else _MIGRATIONS.name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TABLES_FRAMES = os.environ.get("TABLES_FRAMES") == "1"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}

"""Settings of the legacy project: one SQLite file, named by ``HOLCSTORE_LEGACY_DB`` (or a
PostgreSQL database, when it is a ``postgres://`` URL: the benchmark's case)."""

import os
from urllib.parse import unquote, urlsplit

if not os.environ.get("HOLCSTORE_LEGACY_DB"):
    raise RuntimeError("set HOLCSTORE_LEGACY_DB to the path of the legacy project's SQLite file")

SECRET_KEY = "holcstore-compat-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["HOLCSTORE_LEGACY_DB"],
        # the driver writes while the server process reads: wait for the other's lock
        "OPTIONS": {"timeout": 30},
    }
}
if os.environ["HOLCSTORE_LEGACY_DB"].startswith(("postgres://", "postgresql://")):
    _url = urlsplit(os.environ["HOLCSTORE_LEGACY_DB"])
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": unquote(_url.username or ""),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or ""),
    }
INSTALLED_APPS = ["rest_framework", "hostore", "legacy_site"]
ROOT_URLCONF = "legacy_site.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# no users in this project: the sync endpoints are open, as in holcstore 0.6's own tests
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

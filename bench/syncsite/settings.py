"""Settings of the sync benchmark's server and client processes.

The database is the one :mod:`bench.settings` reads from the environment (``BENCH_DB`` and
its location). The endpoints are open (no authentication), as in holcstore 0.6.7's project
that the benchmark measures against (``tests/compat/legacy``), so that both do the same work.
"""

from bench.settings import DATABASES  # noqa: F401  (from the environment)

SECRET_KEY = "bench-only"
DEBUG = False  # DEBUG would keep every query in memory
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "rest_framework",
    "hostore",
    "bench.syncsite.apps.SyncBenchConfig",
]
ROOT_URLCONF = "bench.syncsite.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
LOGGING = {  # runserver's request lines and warnings to stderr, nothing at INFO
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

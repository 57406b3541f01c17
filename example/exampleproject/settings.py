"""Example project settings: SQLite by default, PostgreSQL when DATABASE_URL says so."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("SECRET_KEY", "example-only-not-secret")
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "Europe/Paris"
DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'example.sqlite3'}")}
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "drf_spectacular",
    "hostore",
    "meters",
]
ROOT_URLCONF = "exampleproject.urls"
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

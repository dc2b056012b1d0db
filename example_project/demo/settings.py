"""Settings of the example media asset manager.

SQLite and the in-memory channel layer by default. Environment variables switch to the
services a multi-process deployment needs:

- ``GENSTATUS_DB=postgres`` (with PGHOST, PGPORT, PGUSER, PGDATABASE): PostgreSQL.
- ``GENSTATUS_REDIS_URL=redis://127.0.0.1:6379/0``: the Redis channel layer.
"""

import json
import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "genstatus",
    "gallery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo.urls"
ASGI_APPLICATION = "demo.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES: dict[str, dict[str, Any]]
if os.environ.get("GENSTATUS_DB") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "NAME": os.environ.get("PGDATABASE", "test"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("GENSTATUS_SQLITE_PATH", str(BASE_DIR / "demo.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }

REDIS_URL = os.environ.get("GENSTATUS_REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # socket_timeout above channels-redis's 5 s blocking read (redis/redis-py#4091)
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "gallery:login"  # the admin keeps its own login page for staff
LOGIN_REDIRECT_URL = "gallery:index"

# Overridable from the environment only so the checks can be demonstrated.
GENSTATUS_ASSET_MODEL = os.environ.get("GENSTATUS_ASSET_MODEL", "gallery.Asset")
# Provider names (filters, checks) and their classes: here every provider is the demo's
# simulated one, whose jobs genstatus runs through Django Tasks.
GENSTATUS_PROVIDERS = {
    "pixverse": "gallery.providers.DemoProvider",
    "sora": "gallery.providers.DemoProvider",
    "runway": "gallery.providers.DemoProvider",
}
# The reaper (`manage.py genstatus_reap`) fails jobs silent for this long.
GENSTATUS_STALE_AFTER = 120
# Fixes what the "Start demo job" button simulates, e.g. '{"outcome": "complete",
# "steps": 4, "step_seconds": 0.5}' (the recording test); random when unset.
DEMO_JOB = json.loads(os.environ.get("GENSTATUS_DEMO_JOB") or "{}")

# Django Tasks: django.tasks on Django 6, the django-tasks backport on 5.2. The demo runs
# jobs in threads of the web process after a short queue wait (no worker to start); a real
# deployment would use django_tasks_db.DatabaseBackend + `manage.py db_worker`, or RQ/Celery.
import django  # noqa: E402

if django.VERSION < (6, 0):
    INSTALLED_APPS += ["django_tasks"]
TASKS = {
    "default": {
        "BACKEND": "gallery.providers.ThreadedBackend",
        "OPTIONS": {"QUEUE_WAIT": (1.5, 4.0)},
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"genstatus": {"handlers": ["console"], "level": "INFO"}},
}

"""Settings for genstatus's own test suite.

Tier 1 (default): SQLite in memory + the in-memory channel layer.
Tier 2: ``GENSTATUS_DB=postgres`` (PGHOST/PGPORT/PGUSER/PGDATABASE) and
``GENSTATUS_REDIS_URL=redis://127.0.0.1:6379/0`` run the same tests on PostgreSQL and
Redis, plus the tests that need them (marked ``postgres`` / ``redis``).
Tier 3: ``GENSTATUS_DB=mariadb`` (MYSQL_HOST/MYSQL_PORT/MYSQL_USER/MYSQL_PASSWORD/
MYSQL_DATABASE) runs the id-parsing tests on MariaDB (``mysqlclient``).
``GENSTATUS_TEST_DB_SUFFIX`` keeps parallel runs on one server apart.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
ASGI_APPLICATION = "demo.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "admin:login"

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
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # tests/hostproject: inert until a test sets GENSTATUS_BADGE_TARGETS
    "genstatus.middleware.BadgeTargetsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

SUFFIX = os.environ.get("GENSTATUS_TEST_DB_SUFFIX", "")
POSTGRES = os.environ.get("GENSTATUS_DB") == "postgres"
if POSTGRES:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "NAME": os.environ.get("PGDATABASE", "test"),
            "TEST": {"NAME": f"test_genstatus{SUFFIX}"},
        }
    }
elif os.environ.get("GENSTATUS_DB") == "mariadb":
    # the id tier: the id-parsing tests on MariaDB (mysqlclient), see .ci/test-matrix
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("MYSQL_PORT", "3306"),
            "USER": os.environ.get("MYSQL_USER", "root"),
            "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
            "NAME": os.environ.get("MYSQL_DATABASE", "test"),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"NAME": f"test_genstatus{SUFFIX}", "CHARSET": "utf8mb4"},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "OPTIONS": {"timeout": 20},
            # a file, not memory, when a test serves pages from another process (daphne)
            "TEST": {"NAME": os.environ.get("GENSTATUS_SQLITE_TEST_NAME")},
        }
    }

REDIS_URL = os.environ.get("GENSTATUS_REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8's 5 s socket_timeout equals channels-redis's blocking read
                # and drops idle consumers (redis/redis-py#4091): give reads more room
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
                "capacity": 1000,
                "expiry": 30,
                "prefix": f"genstatus-test{SUFFIX}",
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

GENSTATUS_ASSET_MODEL = "gallery.Asset"
GENSTATUS_PROVIDERS = {"pixverse": None, "sora": None, "runway": None}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}

# Django Tasks: django.tasks on Django 6, the django-tasks backport on 5.2. The immediate
# backend runs genstatus's tasks in-line; "database" (django-tasks-db) is what the worker
# process test enqueues to and `db_worker` runs.
import django  # noqa: E402

if django.VERSION < (6, 0):
    INSTALLED_APPS += ["django_tasks"]
    _IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"
else:
    _IMMEDIATE = "django.tasks.backends.immediate.ImmediateBackend"
INSTALLED_APPS += ["django_tasks_db"]
TASKS = {
    "default": {"BACKEND": _IMMEDIATE},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

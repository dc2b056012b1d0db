"""A django-filer 3.6 site (filer's folder listing in Django's admin), filer's image model
as genstatus's asset model. Run by .ci/tier-hosts in its own virtualenv
(django-filer==3.6.0).

``GENSTATUS_SQLITE_TEST_NAME`` names a file database a daphne subprocess shares with the
tests; ``GENSTATUS_REDIS_URL`` a Redis whose channel layer carries changes between
processes; ``GENSTATUS_TEST_DB_SUFFIX`` keeps parallel runs apart.
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.contrib.filer_project.urls"
ASGI_APPLICATION = "tests.contrib.filer_project.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
MEDIA_URL = "media/"
SUFFIX = os.environ.get("GENSTATUS_TEST_DB_SUFFIX", "")
MEDIA_ROOT = os.environ.get(
    "GENSTATUS_MEDIA_ROOT", os.path.join(tempfile.gettempdir(), f"genstatus-filer-media{SUFFIX}")
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
X_FRAME_OPTIONS = "SAMEORIGIN"  # filer's popups

INSTALLED_APPS = [
    "daphne",
    "genstatus.contrib.filer",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "easy_thumbnails",
    "filer",
    "channels",
    "rest_framework",
    "django_filters",
    "genstatus",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # badges on filer's folder listing (and GENSTATUS_BADGE_TARGETS', if any)
    "genstatus.contrib.filer.middleware.FilerBadgesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],  # the project overrides none of filer's templates (a test says so)
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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("GENSTATUS_LIVE_DB_NAME", ":memory:"),
        "OPTIONS": {"timeout": 20},
        "TEST": {"NAME": os.environ.get("GENSTATUS_SQLITE_TEST_NAME")},
    }
}

REDIS_URL = os.environ.get("GENSTATUS_REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
                "prefix": f"genstatus-filer{SUFFIX}",
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

THUMBNAIL_HIGH_RESOLUTION = True
GENSTATUS_ASSET_MODEL = "filer.Image"
GENSTATUS_PROVIDERS = {"pixverse": None, "sora": None}
GENSTATUS_LIVE_COALESCE = 0.05

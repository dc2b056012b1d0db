"""A Wagtail 8 site as `wagtail start` makes one, less django.contrib.admin, with a custom
image model (WAGTAILIMAGES_IMAGE_MODEL) as genstatus's asset model. Run by
.ci/tier-hosts in its own virtualenv (wagtail==8.0.1).

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
ROOT_URLCONF = "tests.contrib.wagtail_project.urls"
ASGI_APPLICATION = "tests.contrib.wagtail_project.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
MEDIA_URL = "media/"
SUFFIX = os.environ.get("GENSTATUS_TEST_DB_SUFFIX", "")
MEDIA_ROOT = os.environ.get(
    "GENSTATUS_MEDIA_ROOT", os.path.join(tempfile.gettempdir(), f"genstatus-wagtail-media{SUFFIX}")
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WAGTAIL_SITE_NAME = "genstatus test site"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"
WAGTAIL_ENABLE_UPDATE_CHECK = False  # no call home from the tests

INSTALLED_APPS = [
    "daphne",
    # genstatus's Wagtail app: badges, the panel in Wagtail's admin, open asset
    "genstatus.contrib.wagtail",
    "tests.contrib.wagtail_project.media",
    "wagtail.snippets",
    "wagtail.users",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",  # once: Wagtail's list has it, genstatus needs it too
    # no "django.contrib.admin": the panel lives in Wagtail's admin
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "genstatus",
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

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],  # the project overrides none of Wagtail's templates (a test says so)
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
                "prefix": f"genstatus-wagtail{SUFFIX}",
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

WAGTAILIMAGES_IMAGE_MODEL = "media.CustomImage"
GENSTATUS_ASSET_MODEL = "media.CustomImage"
GENSTATUS_PROVIDERS = {"pixverse": None, "sora": None}
GENSTATUS_LIVE_COALESCE = 0.05

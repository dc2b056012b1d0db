"""What the Wagtail and django-filer test projects' settings share, for one host.

``GENSTATUS_SQLITE_TEST_NAME`` names a file database a daphne subprocess shares with the
tests; ``GENSTATUS_REDIS_URL`` a Redis whose channel layer carries changes between
processes; ``GENSTATUS_TEST_DB_SUFFIX`` keeps parallel runs apart.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

DJANGO_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def host_settings(host: str) -> dict[str, Any]:
    """The settings of ``tests/contrib/<host>_project`` that are not about its host."""
    suffix = os.environ.get("GENSTATUS_TEST_DB_SUFFIX", "")
    redis_url = os.environ.get("GENSTATUS_REDIS_URL")
    layer: dict[str, Any] = {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    if redis_url:
        layer = {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": redis_url, "socket_timeout": 10}],
                "prefix": f"genstatus-{host}{suffix}",
            },
        }
    media = os.path.join(tempfile.gettempdir(), f"genstatus-{host}-media{suffix}")
    return {
        "SECRET_KEY": "tests-only",
        "DEBUG": False,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "ROOT_URLCONF": f"tests.contrib.{host}_project.urls",
        "ASGI_APPLICATION": f"tests.contrib.{host}_project.asgi.application",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "STATIC_URL": "static/",
        "MEDIA_URL": "media/",
        "MEDIA_ROOT": os.environ.get("GENSTATUS_MEDIA_ROOT", media),
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],  # the project overrides none of its host's templates (a test says so)
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ],
                },
            },
        ],
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": os.environ.get("GENSTATUS_LIVE_DB_NAME", ":memory:"),
                "OPTIONS": {"timeout": 20},
                "TEST": {"NAME": os.environ.get("GENSTATUS_SQLITE_TEST_NAME")},
            }
        },
        "CHANNEL_LAYERS": {"default": layer},
        "GENSTATUS_PROVIDERS": {"pixverse": None, "sora": None},
        "GENSTATUS_LIVE_COALESCE": 0.05,
    }

"""A django-filer 3.6 site (filer's folder listing in Django's admin), filer's image model
as genstatus's asset model. Run by .ci/tier-hosts in its own virtualenv
(django-filer==3.6.0).
"""

from pathlib import Path

from tests.contrib.host_settings import DJANGO_MIDDLEWARE, host_settings

globals().update(host_settings("filer"))
BASE_DIR = Path(__file__).resolve().parent
X_FRAME_OPTIONS = "SAMEORIGIN"  # filer's popups
THUMBNAIL_HIGH_RESOLUTION = True
GENSTATUS_ASSET_MODEL = "filer.Image"

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
    *DJANGO_MIDDLEWARE,
    # badges on filer's folder listing (and GENSTATUS_BADGE_TARGETS', if any)
    "genstatus.contrib.filer.middleware.FilerBadgesMiddleware",
]

"""A Wagtail 8 site as `wagtail start` makes one, less django.contrib.admin, with a custom
image model (WAGTAILIMAGES_IMAGE_MODEL) as genstatus's asset model. Run by
.ci/tier-hosts in its own virtualenv (wagtail==8.0.1).
"""

from pathlib import Path

from tests.contrib.host_settings import DJANGO_MIDDLEWARE, host_settings

globals().update(host_settings("wagtail"))
BASE_DIR = Path(__file__).resolve().parent
WAGTAIL_SITE_NAME = "genstatus test site"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"
WAGTAIL_ENABLE_UPDATE_CHECK = False  # no call home from the tests
WAGTAILIMAGES_IMAGE_MODEL = "media.CustomImage"
GENSTATUS_ASSET_MODEL = "media.CustomImage"

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
    *DJANGO_MIDDLEWARE,
]

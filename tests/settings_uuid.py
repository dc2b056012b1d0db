"""The test settings with a UUID-keyed asset model from another app (tests/uuid_asset)."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.uuidapp"]  # noqa: F405
GENSTATUS_ASSET_MODEL = "uuidapp.MediaItem"

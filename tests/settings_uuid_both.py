"""The test settings with UUID keys for both users (tests/uuiduser) and assets (tests/uuidapp)."""

from tests.settings_uuid import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.uuiduser"]  # noqa: F405
AUTH_USER_MODEL = "uuiduser.User"

"""The test settings with a UUID-keyed user model (tests/uuiduser) and integer asset keys."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.uuiduser"]  # noqa: F405
AUTH_USER_MODEL = "uuiduser.User"

"""These tests need GENSTATUS_ASSET_MODEL = "uuidapp.MediaItem"; `make test` runs them in
their own pytest invocation: ``pytest --ds tests.settings_uuid tests/uuid_asset``."""

from django.conf import settings

if settings.GENSTATUS_ASSET_MODEL != "uuidapp.MediaItem":
    collect_ignore_glob = ["test_*.py"]

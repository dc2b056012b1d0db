from datetime import timedelta

from genstatus.conf import genstatus_settings


def test_defaults():
    assert genstatus_settings.MAX_RETRIES == 3
    assert timedelta(minutes=10) == genstatus_settings.STALE_AFTER
    assert timedelta(hours=1) == genstatus_settings.QUEUED_STALE_AFTER
    assert genstatus_settings.SHOW_COMPLETED is False
    assert genstatus_settings.API_MAX_BATCH == 500


def test_settings_are_read_lazily(settings):
    settings.GENSTATUS_MAX_RETRIES = 7
    settings.GENSTATUS_STALE_AFTER = 30
    assert genstatus_settings.MAX_RETRIES == 7
    assert timedelta(seconds=30) == genstatus_settings.STALE_AFTER
    settings.GENSTATUS_QUEUED_STALE_AFTER = 120
    assert timedelta(minutes=2) == genstatus_settings.QUEUED_STALE_AFTER
    settings.GENSTATUS_QUEUED_STALE_AFTER = None
    assert genstatus_settings.QUEUED_STALE_AFTER is None


def test_host_operation_types_extend_the_builtin_ones(settings):
    settings.GENSTATUS_OPERATION_TYPES = [("upscale", "Upscale"), ("text_to_image", "dup")]
    values = [value for value, _ in genstatus_settings.OPERATION_TYPES]
    assert values[-1] == "upscale"
    assert values.count("text_to_image") == 1


def test_provider_choices_come_from_settings(settings):
    settings.GENSTATUS_PROVIDERS = {"pixverse": None, "runway_ml": None}
    assert genstatus_settings.PROVIDER_CHOICES == [
        ("pixverse", "Pixverse"),
        ("runway_ml", "Runway Ml"),
    ]

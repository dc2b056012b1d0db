"""genstatus.ids with a UUID-keyed asset model (run with tests.settings_uuid)."""

import uuid

import pytest

from genstatus.ids import BadId, asset_id


@pytest.mark.django_db
def test_uuid_asset_ids_are_parsed_by_the_asset_models_key():
    key = uuid.uuid4()
    assert asset_id(str(key)) == key
    for bad in ["42", "x", f"{key}\n"]:
        with pytest.raises(BadId, match="is not a valid asset id"):
            asset_id(bad)

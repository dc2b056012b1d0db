"""genstatus.ids: every id a client sends is parsed here."""

import pytest

from genstatus.ids import GENERATION_ID_MAX, BadId, asset_id, generation_id, generation_ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("42", 42),
        (str(GENERATION_ID_MAX), GENERATION_ID_MAX),
        (str(GENERATION_ID_MAX + 1), None),
        ("99999999999999999999999", None),
        ("0", None),
        ("-1", None),
        (-5, None),
    ],
)
def test_a_generation_id_or_none_when_no_row_can_have_it(value, expected):
    assert generation_id(value) == expected


@pytest.mark.parametrize(
    "value", ["", "abc", "1.5", "1e3", " 7", "7 ", "1\n", "١٢", "+1", "--1", True, None, 1.0, [1]]
)
def test_anything_else_is_a_bad_id_with_a_message(value):
    with pytest.raises(BadId, match="is not a generation id"):
        generation_id(value)


def test_generation_ids_are_distinct_sorted_and_count_the_impossible():
    assert generation_ids(["3", "1", "3", "0", "99999999999999999999"]) == ([1, 3], 2)
    with pytest.raises(BadId):
        generation_ids(["1", "x"])


@pytest.mark.django_db
def test_asset_ids_follow_the_asset_models_key():
    assert asset_id("12") == 12
    assert asset_id(12) == 12
    assert asset_id("99999999999999999999999") is None
    for bad in ["x", "1\n", " 1", "", True, None, "1.5"]:
        with pytest.raises(BadId, match="is not a valid asset id"):
            asset_id(bad)

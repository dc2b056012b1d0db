import pytest

from genstatus import lifecycle
from genstatus.filters import GenerationFilterSet
from genstatus.models import Generation

pytestmark = pytest.mark.django_db


def run(params):
    filterset = GenerationFilterSet(params, queryset=Generation.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("prompt", flat=True))


@pytest.fixture
def rows(make_generation):
    failed = make_generation(prompt="Failed castle", provider="sora")
    lifecycle.mark_failed(failed, "boom")
    make_generation(prompt="pending desert", operation_type="text_to_video")
    done = make_generation(prompt="done forest", provider="runway")
    lifecycle.mark_processing(done)
    lifecycle.mark_completed(done)


@pytest.mark.usefixtures("rows")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Failed castle", "pending desert", "done forest"}),
        ({"status": "active"}, {"pending desert"}),
        ({"status": "failed"}, {"Failed castle"}),
        ({"status": "completed"}, {"done forest"}),
        ({"status": "pending"}, {"pending desert"}),
        ({"provider": "sora"}, {"Failed castle"}),
        ({"operation_type": "text_to_video"}, {"pending desert"}),
        ({"q": "CASTLE"}, {"Failed castle"}),
        ({"q": "   "}, {"Failed castle", "pending desert", "done forest"}),
    ],
)
def test_filters(params, expected):
    assert run(params) == expected


def test_asset_ids(make_generation, user):
    from gallery.models import Asset

    other = Asset.objects.create(owner=user, title="other")
    make_generation(prompt="on other", asset=other)
    make_generation(prompt="on default")
    assert run({"asset": f"{other.pk}"}) == {"on other"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"provider": "midjourney"}, "provider"),
        ({"operation_type": "dance"}, "operation_type"),
        ({"asset": "1,abc"}, "asset"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_values_are_form_errors(params, field):
    filterset = GenerationFilterSet(params, queryset=Generation.objects.all())
    assert not filterset.is_valid()
    assert field in filterset.errors


def test_too_many_asset_ids(settings):
    settings.GENSTATUS_API_MAX_BATCH = 3
    filterset = GenerationFilterSet({"asset": "1,2,3,4"}, queryset=Generation.objects.all())
    assert not filterset.is_valid()
    assert "At most 3 asset ids" in str(filterset.errors["asset"])


@pytest.mark.parametrize("value", ["%s", "1,%(x)s", "50%", "%"])
def test_percent_signs_in_bad_ids_are_reported_verbatim(value):
    filterset = GenerationFilterSet({"asset": value}, queryset=Generation.objects.all())
    assert not filterset.is_valid()
    assert "is not a valid asset id" in str(filterset.errors["asset"])

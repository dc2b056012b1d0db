import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from genstatus import lifecycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_generation"))
    return user


def test_changelist_shows_only_own_generations_without_view_all(
    client, staff, make_generation, other_user
):
    mine = make_generation(owner=staff, prompt="mine-prompt")
    make_generation(owner=other_user, prompt="theirs-prompt")
    client.force_login(staff)
    response = client.get(reverse("admin:genstatus_generation_changelist"))
    assert response.status_code == 200
    assert b"mine-prompt" in response.content
    assert b"theirs-prompt" not in response.content
    staff.user_permissions.add(Permission.objects.get(codename="view_all_generations"))
    staff = type(staff).objects.get(pk=staff.pk)
    client.force_login(staff)
    response = client.get(reverse("admin:genstatus_generation_changelist"))
    assert b"theirs-prompt" in response.content
    assert mine.pk


def test_changelist_filters_and_search(admin_client, make_generation):
    failed = make_generation(prompt="castle in fog", provider="sora")
    lifecycle.mark_failed(failed, "<script>alert(1)</script>")
    make_generation(prompt="desert road")
    url = reverse("admin:genstatus_generation_changelist")
    assert b"castle in fog" in admin_client.get(url, {"status__exact": "failed"}).content
    assert b"desert road" not in admin_client.get(url, {"status__exact": "failed"}).content
    assert b"desert road" not in admin_client.get(url, {"provider": "sora"}).content
    response = admin_client.get(url, {"q": "CASTLE"})
    assert b"castle in fog" in response.content
    assert b"desert road" not in response.content
    assert b"<script>alert(1)</script>" not in response.content


def test_change_page_shows_event_history_read_only(admin_client, generation):
    lifecycle.mark_queued(generation)
    response = admin_client.get(reverse("admin:genstatus_generation_change", args=[generation.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Status change" in content
    assert "Created" in content
    assert 'name="status"' not in content  # lifecycle fields are read-only


def test_generations_are_not_added_or_edited_through_forms(admin_client, generation):
    assert admin_client.get(reverse("admin:genstatus_generation_add")).status_code == 403
    url = reverse("admin:genstatus_generation_change", args=[generation.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    lifecycle.mark_processing(generation)  # a worker moves on while the page is open
    admin_client.post(url, {"prompt": "edited", "status": "completed", "_save": "Save"})
    generation.refresh_from_db()
    assert (generation.status, generation.prompt, generation.version) == (
        "processing",
        "a lighthouse at dusk",
        2,
    )

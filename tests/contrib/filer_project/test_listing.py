"""filer's folder listing gets the badge targets (and nothing else does); "open asset"
opens filer's file page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission

from genstatus.contrib.filer.middleware import file_link
from genstatus.models import Generation

pytestmark = pytest.mark.django_db


def targets_of(html: str) -> str | None:
    found = re.search(r"<script type=\"application/json\" data-gs-targets>(.*?)</script>", html)
    return found.group(1) if found else None


@pytest.mark.parametrize("query", ["", "?_list_type=th"])
def test_the_folder_listing_gets_the_targets_once(client, admin_user, folder, images, query):
    client.force_login(admin_user)
    response = client.get(f"{folder.get_admin_directory_listing_url_path()}{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-gs-targets") == 1
    assert "thumbnail-file-item" in targets_of(html)
    assert html.count("data-gs-badge-template=") >= 1  # the badges' assets came along


def test_other_admin_pages_do_not(client, admin_user, images):
    client.force_login(admin_user)
    assert "data-gs-targets" not in client.get("/admin/").content.decode()
    html = client.get(images[0].get_admin_change_url()).content.decode()
    assert "data-gs-targets" not in html


def test_the_link_pattern_matches_files_not_folders(folder, images):
    assert folder.children.get().pk in {image.pk for image in images}
    pattern = re.compile(file_link())
    assert pattern.search(f"http://testserver{images[0].get_admin_change_url()}").group(1) == str(
        images[0].pk
    )
    subfolder = folder.children.get()
    for url in (
        subfolder.get_admin_directory_listing_url_path(),
        f"/admin/filer/folder/{subfolder.pk}/change/",
    ):
        assert not pattern.search(f"http://testserver{url}")


def test_open_asset_goes_to_filers_file_page(client, admin_user, images):
    client.force_login(admin_user)
    generation = Generation.objects.get(asset=images[1])
    response = client.get(f"/admin/genstatus/generation/{generation.pk}/open-asset/")
    assert response.status_code == 302
    assert response["Location"] == images[1].get_admin_change_url()
    assert client.get(response["Location"]).status_code == 200


def staff(django_user_model, *codenames):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_open_asset_for_staff_filer_lets_edit_opens_filers_file_page(
    client, django_user_model, images
):
    """Without FILER_ENABLE_PERMISSIONS, filer lets any staff user edit an image."""
    client.force_login(staff(django_user_model, "view_generation", "view_all_generations"))
    generation = Generation.objects.get(asset=images[1])
    response = client.get(f"/admin/genstatus/generation/{generation.pk}/open-asset/")
    assert response["Location"] == images[1].get_admin_change_url()
    assert client.get(response["Location"]).status_code == 200


def test_open_asset_where_filers_folder_permissions_refuse_says_so(
    client, django_user_model, images, monkeypatch
):
    from filer import settings as filer_settings

    monkeypatch.setattr(filer_settings, "FILER_ENABLE_PERMISSIONS", True)
    client.force_login(staff(django_user_model, "view_generation", "view_all_generations"))
    generation = Generation.objects.get(asset=images[1])
    response = client.get(f"/admin/genstatus/generation/{generation.pk}/open-asset/", follow=True)
    assert response.redirect_chain[-1][0] == "/admin/genstatus/generation/panel/"
    assert "no page of this asset you can open" in response.content.decode()

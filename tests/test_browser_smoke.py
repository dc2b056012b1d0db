import pytest
from django.core.management import call_command

from tests.conftest import login_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_example_gallery_renders_in_chromium(live_server, page, django_user_model, tmp_path):
    call_command("seed_demo", verbosity=0)
    login_browser(page, live_server.url, django_user_model.objects.get(username="demo"))
    page.goto(f"{live_server.url}/")
    from gallery.models import Asset

    # demo may see every generation (a superuser): its gallery shows every asset
    assert page.locator(".card").count() == Asset.objects.count() > 24
    assert page.js_errors == []
    page.screenshot(path=str(tmp_path / "gallery.png"))

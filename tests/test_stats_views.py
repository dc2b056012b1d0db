"""The Statistics page and the panel's health banner: permissions, scoping, the charts'
markup, and each condition of the banner."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from genstatus.maintenance import reap, record_run
from genstatus.models import EVERYBODY, Generation, MaintenanceRun, visibility
from genstatus.stats.health import CAP, health

pytestmark = pytest.mark.django_db

STATS = "admin:genstatus_generation_panel_stats"
PANEL = "admin:genstatus_generation_panel"
MINUTE = timedelta(minutes=1)


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def viewer(django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    return grant(user, "view_generation")


def finished(owner, provider, status, minutes_ago, code=""):
    now = timezone.now()
    return Generation.objects.create(
        owner=owner,
        provider=provider,
        operation_type="text_to_image",
        status=status,
        created_at=now - (minutes_ago + 2) * MINUTE,
        started_at=now - (minutes_ago + 1) * MINUTE,
        finished_at=now - minutes_ago * MINUTE,
        error_code=code,
    )


def stuck(owner, minutes_ago=30):
    then = timezone.now() - minutes_ago * MINUTE
    return Generation.objects.create(
        owner=owner,
        provider="sora",
        operation_type="text_to_image",
        status="processing",
        created_at=then,
        updated_at=then,
        started_at=then,
        heartbeat_at=then,
    )


def waiting(owner, minutes_ago=120, status="queued"):
    then = timezone.now() - minutes_ago * MINUTE
    return Generation.objects.create(
        owner=owner,
        provider="sora",
        operation_type="text_to_image",
        status=status,
        created_at=then,
        updated_at=then,
    )


# The page


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(reverse(STATS))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_view_permission_get_403(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("s", is_staff=True))
    assert client.get(reverse(STATS)).status_code == 403


def test_a_viewer_sees_only_their_own_figures(client, viewer, other_user):
    finished(viewer, "sora", "completed", 5)
    finished(other_user, "runway", "failed", 5, "quota")
    client.force_login(viewer)
    content = client.get(reverse(STATS)).content.decode()
    assert "Your generations." in content
    assert "Sora" in content
    assert "Runway" not in content
    assert "quota" not in content


def test_a_superuser_sees_everyones_figures_and_error_codes_link_the_panel(
    admin_client, user, other_user
):
    finished(user, "sora", "completed", 5)
    finished(other_user, "runway", "failed", 5, "quota")
    response = admin_client.get(reverse(STATS), {"window": "1h"})
    content = response.content.decode()
    assert response.context["window"].slug == "1h"
    assert "Everyone\u2019s generations." in content
    assert "<code>quota</code> 1" in content
    link = re.search(r'href="([^"]*status=failed[^"]*)"', content).group(1)
    assert link.startswith(reverse(PANEL))
    assert "provider=runway" in link
    assert "created_after=" in link
    # the panel answers the link (its filters accept every parameter)
    assert admin_client.get(link.replace("&amp;", "&")).status_code == 200


def test_an_error_code_links_the_panel_to_that_codes_failures_only(admin_client, user):
    finished(user, "runway", "failed", 5, "quota")
    finished(user, "runway", "failed", 6, "timeout")
    content = admin_client.get(reverse(STATS), {"window": "1h"}).content.decode()
    link = re.search(r'href="([^"]*error_code=timeout[^"]*)"', content).group(1)
    panel = admin_client.get(link.replace("&amp;", "&"))
    shown = re.findall(r'data-gs-generation="(\d+)"', panel.content.decode())
    timeouts = Generation.objects.filter(error_code="timeout").values_list("pk", flat=True)
    assert len(timeouts) == 1
    assert sorted(map(int, shown)) == sorted(timeouts)


def test_charts_are_accessible_svg_with_a_data_table(admin_client, user):
    finished(user, "sora", "completed", 5)
    finished(user, "sora", "failed", 65, "quota")
    content = admin_client.get(reverse(STATS)).content.decode()
    svg = re.search(r"<svg class=\"gs-chart__svg\" role=\"img\"[^>]*>", content).group(0)
    assert 'aria-labelledby="gs-chart-sora-title gs-chart-sora-desc"' in svg
    assert (
        '<title id="gs-chart-sora-title">Sora: completions and failures, last 24 hours</title>'
        in content
    )
    assert re.search(
        r'<desc id="gs-chart-sora-desc">1 completed and 1 failed in 2[45] periods', content
    )
    assert "<summary>Data table</summary>" in content
    assert "<script" not in content.split('id="content-main"')[1]


def test_an_empty_window_says_so(admin_client):
    content = admin_client.get(reverse(STATS), {"window": "30d"}).content.decode()
    assert "No generation was created or finished in this window." in content
    assert "gs-chart__svg" not in content


def test_the_panel_links_the_statistics_page(admin_client):
    content = admin_client.get(reverse(PANEL)).content.decode()
    assert f'href="{reverse(STATS)}"' in content


def test_the_statistics_page_runs_a_bounded_number_of_queries(
    admin_client, user, django_assert_max_num_queries
):
    for minutes in range(20):
        finished(user, ("sora", "runway")[minutes % 2], "completed", minutes * 30)
    with django_assert_max_num_queries(30):  # the first 30-day read counts its days
        admin_client.get(reverse(STATS), {"window": "30d"})
    with django_assert_max_num_queries(18):
        admin_client.get(reverse(STATS), {"window": "30d"})


# The health banner's conditions


def test_no_banner_when_all_is_well(admin_client, user):
    finished(user, "sora", "completed", 5)
    assert "data-gs-health" not in admin_client.get(reverse(PANEL)).content.decode()


def test_stuck_jobs_show_on_the_panel(admin_client, user, settings):
    settings.GENSTATUS_STALE_AFTER = 600
    stuck(user, minutes_ago=30)
    stuck(user, minutes_ago=2)  # a recent heartbeat: fine
    content = admin_client.get(reverse(PANEL)).content.decode()
    assert 'data-gs-health="stuck"' in content
    assert "1 job looks stuck: processing with no heartbeat for more than 10" in content
    assert "<code>genstatus_reap</code> scheduled?" in content
    assert "<code>genstatus_reap</code> has never run" in content


def test_a_processing_job_without_heartbeat_counts_from_its_start(user, settings):
    settings.GENSTATUS_STALE_AFTER = 600
    job = stuck(user, minutes_ago=30)
    Generation.objects.filter(pk=job.pk).update(heartbeat_at=None)
    assert health(EVERYBODY, timezone.now()).stuck == 1
    Generation.objects.filter(pk=job.pk).update(started_at=timezone.now())
    assert health(EVERYBODY, timezone.now()).stuck == 0


def test_waiting_jobs_follow_queued_stale_after(user, settings):
    settings.GENSTATUS_QUEUED_STALE_AFTER = 3600
    waiting(user, minutes_ago=120)
    waiting(user, minutes_ago=120, status="pending")
    waiting(user, minutes_ago=10)
    now = timezone.now()
    assert health(EVERYBODY, now).waiting == 2
    assert health(EVERYBODY, now).waiting_text == "2"
    settings.GENSTATUS_QUEUED_STALE_AFTER = None
    assert health(EVERYBODY, now).waiting == 0


def test_the_banner_counts_only_what_the_user_may_see(client, viewer, other_user, settings):
    settings.GENSTATUS_STALE_AFTER = 600
    stuck(other_user)
    client.force_login(viewer)
    assert "data-gs-health" not in client.get(reverse(PANEL)).content.decode()
    assert health(visibility(viewer), timezone.now()).stuck == 0
    assert health(EVERYBODY, timezone.now()).stuck == 1


def test_counts_are_capped(user, settings, monkeypatch):
    monkeypatch.setattr("genstatus.stats.health.CAP", 2)
    for _ in range(4):
        stuck(user)
    state = health(EVERYBODY, timezone.now())
    assert state.stuck == 3
    assert state.stuck_text == "2+"
    assert CAP == 1000


def test_reap_records_its_run_and_a_silent_reaper_shows(admin_client, settings):
    settings.GENSTATUS_REAPER_SILENT_AFTER = 300
    assert MaintenanceRun.objects.count() == 0
    now = timezone.now()
    reap(now=now - 10 * MINUTE)
    run = MaintenanceRun.objects.get(task="reap")
    assert run.ran_at == now - 10 * MINUTE
    reap(dry_run=True)  # a dry run changes nothing, its record included
    assert MaintenanceRun.objects.get(task="reap").ran_at == now - 10 * MINUTE
    state = health(EVERYBODY, now)
    assert state.reaper_silent
    content = admin_client.get(reverse(PANEL)).content.decode()
    assert 'data-gs-health="reaper"' in content
    assert "<code>genstatus_reap</code> last ran 10" in content
    record_run("reap", timezone.now())
    assert not health(EVERYBODY, timezone.now()).reaper_silent
    assert "data-gs-health" not in admin_client.get(reverse(PANEL)).content.decode()


def test_the_statistics_page_says_when_the_reaper_ran(admin_client):
    record_run("reap", timezone.now() - 2 * MINUTE)
    content = admin_client.get(reverse(STATS)).content.decode()
    assert "<code>genstatus_reap</code> last ran 2" in content

"""genstatus.metrics: the scrape's output parsed with prometheus_client's parser, and who
may scrape."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from genstatus.maintenance import record_run
from genstatus.models import Generation

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.metrics_urls")]

URL = "/genstatus/metrics"
MINUTE = timedelta(minutes=1)


def job(owner, provider, status, *, minutes_ago=0, run=60, wait=10, code=""):
    now = timezone.now()
    finished = (
        now - minutes_ago * MINUTE if status in {"completed", "failed", "cancelled"} else None
    )
    started = (finished or now) - timedelta(seconds=run) if status != "pending" else None
    created = (started or now) - timedelta(seconds=wait)
    return Generation.objects.create(
        owner=owner,
        provider=provider,
        operation_type="text_to_image",
        status=status,
        created_at=created,
        updated_at=finished or started or created,
        started_at=started,
        finished_at=finished,
        heartbeat_at=started,
        error_code=code,
    )


def scrape(client, **headers):
    response = client.get(URL, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: family for family in families}


def samples(family, name=None):
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for sample in family.samples
        if name is None or sample.name == name
    }


@pytest.fixture
def jobs(user):
    job(user, "sora", "completed", minutes_ago=2, run=3)
    job(user, "sora", "completed", minutes_ago=30, run=90)
    job(user, "sora", "failed", minutes_ago=3, code="quota")
    job(user, "sora", "failed", minutes_ago=40, code="quota")
    job(user, "pixverse", "failed", minutes_ago=50, code="timeout")
    job(user, "pixverse", "cancelled", minutes_ago=1)
    job(user, "pixverse", "completed", minutes_ago=24 * 60)  # outside every window
    job(user, "sora", "processing")
    job(user, "sora", "pending")
    job(user, "runway", "queued")


def test_active_gauges_by_status_and_provider(admin_client, jobs):
    families = scrape(admin_client)
    assert samples(families["genstatus_generations_active"]) == {
        (("provider", "sora"), ("status", "processing")): 1.0,
        (("provider", "sora"), ("status", "pending")): 1.0,
        (("provider", "runway"), ("status", "queued")): 1.0,
    }
    oldest = samples(families["genstatus_oldest_active_age_seconds"])
    assert set(oldest) == {(("status", s),) for s in ("pending", "processing", "queued")}
    assert oldest[(("status", "processing"),)] >= 60  # created 70 s before now


def test_finished_in_each_window_by_provider_status_and_error_code(admin_client, jobs):
    finished = samples(scrape(admin_client)["genstatus_generations_finished"])

    def key(window, provider, status, code=""):
        labels = {"window": window, "provider": provider, "status": status, "error_code": code}
        return tuple(sorted(labels.items()))

    assert finished == {
        key("5m", "sora", "completed"): 1.0,
        key("5m", "sora", "failed", "quota"): 1.0,
        key("5m", "pixverse", "cancelled"): 1.0,
        key("1h", "sora", "completed"): 2.0,
        key("1h", "sora", "failed", "quota"): 2.0,
        key("1h", "pixverse", "failed", "timeout"): 1.0,
        key("1h", "pixverse", "cancelled"): 1.0,
    }


def test_duration_histograms(admin_client, jobs):
    families = scrape(admin_client)
    runs = families["genstatus_run_duration_seconds"]
    buckets = samples(runs, "genstatus_run_duration_seconds_bucket")
    sora = {dict(labels)["le"]: value for labels, value in buckets.items()}
    # two completions in the hour: 3 s and 90 s
    assert (sora["1.0"], sora["5.0"], sora["60.0"], sora["120.0"], sora["+Inf"]) == (0, 1, 1, 2, 2)
    assert samples(runs, "genstatus_run_duration_seconds_count") == {(("provider", "sora"),): 2.0}
    assert samples(runs, "genstatus_run_duration_seconds_sum") == {(("provider", "sora"),): 93.0}
    waits = families["genstatus_queue_wait_seconds"]
    counts = samples(waits, "genstatus_queue_wait_seconds_count")
    # every finished job of the hour that started (the cancel started too, in this data)
    assert counts == {(("provider", "sora"),): 4.0, (("provider", "pixverse"),): 2.0}


def test_health_and_the_reaper(admin_client, jobs, settings):
    settings.GENSTATUS_STALE_AFTER = 30
    families = scrape(admin_client)
    assert samples(families["genstatus_stuck_generations"]) == {(): 1.0}  # 60 s, no heartbeat since
    assert samples(families["genstatus_waiting_generations"]) == {(): 0.0}
    assert samples(families["genstatus_reaper_last_run_timestamp_seconds"]) == {(): 0.0}
    ran = timezone.now() - 2 * MINUTE
    record_run("reap", ran)
    families = scrape(admin_client)
    reaper = samples(families["genstatus_reaper_last_run_timestamp_seconds"])
    assert reaper == {(): pytest.approx(ran.timestamp())}


def test_an_empty_database_scrapes(admin_client):
    families = scrape(admin_client)
    assert samples(families["genstatus_generations_active"]) == {}
    assert samples(families["genstatus_oldest_active_age_seconds"]) == {
        (("status", s),): 0.0 for s in ("pending", "processing", "queued")
    }


# Who may scrape


def test_anonymous_scrapes_are_refused(client, jobs):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"genstatus_" not in response.content


def test_a_token_opens_it_and_a_wrong_one_does_not(client, settings):
    settings.GENSTATUS_METRICS_TOKEN = "s3cret-token"
    assert "genstatus_generations_active" in scrape(
        client, HTTP_AUTHORIZATION="Bearer s3cret-token"
    )
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION="Basic s3cret-token").status_code == 401
    assert client.get(URL).status_code == 401


def test_no_token_configured_refuses_every_bearer(client, settings):
    settings.GENSTATUS_METRICS_TOKEN = None
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer None").status_code == 403


def test_users_need_view_all_generations(client, django_user_model):
    user = django_user_model.objects.create_user("watcher", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_all_generations"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    assert client.get(URL).status_code == 200


def test_anonymous_scrapes_when_configured(client, settings):
    settings.GENSTATUS_METRICS_ANONYMOUS = True
    assert "genstatus_reaper_last_run_timestamp_seconds" in scrape(client)


def test_the_dashboard_and_the_alert_rules_name_metrics_that_exist(admin_client, jobs):
    import json
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parent.parent / "docs"
    dashboard = json.loads((docs / "grafana-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    text = " ".join(expressions) + (docs / "observability.md").read_text()
    named = set(re.findall(r"\bgenstatus_[a-z_]+(?=[{ )\n,}]|$)", text))
    families = scrape(admin_client)
    served = {s.name for f in families.values() for s in f.samples} | set(families)
    named -= {"genstatus_reap", "genstatus_generation", "genstatus_health"}  # not metrics
    assert named
    assert named <= served, named - served

"""Data the panel's rendering tests share: hostile text, a permission helper, and the
``every_state`` and ``panel_client`` fixtures (registered in conftest.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db.models import F
from django.test import Client
from django.utils import timezone

from genstatus import lifecycle
from genstatus.models import Generation

HOSTILE = "\"><script>alert(1)</script>&amp; 'x'"


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def every_state(make_generation, user, other_user):
    """Rows in every state and corner: retried, cancel requested, hostile text, no asset."""
    made = {}
    for status in ("completed", "failed", "cancelled", "pending", "queued", "processing"):
        made[status] = make_generation(prompt=f"{status} prompt")
    lifecycle.mark_processing(made["completed"])
    lifecycle.mark_completed(made["completed"])
    lifecycle.mark_failed(made["failed"], "Quota exceeded", code="quota")
    lifecycle.request_cancel(made["cancelled"])
    lifecycle.mark_queued(made["queued"])
    lifecycle.mark_processing(made["processing"])
    lifecycle.request_cancel(made["processing"])  # processing with a pending cancel request

    hostile = make_generation(prompt=HOSTILE + " " + "word " * 30, owner=other_user)
    lifecycle.mark_failed(hostile, f"<script>alert('x')</script> {HOSTILE}")
    Generation.objects.filter(pk=hostile.pk).update(
        provider=HOSTILE, operation_type="<b>op</b>", retry_count=2
    )
    retried = make_generation(prompt="retried once")
    lifecycle.mark_failed(retried, "boom")
    attempt = lifecycle.retry(retried)  # retried_as on the first, retry_count 1 on the second
    lifecycle.mark_processing(attempt)
    made["no_asset"] = make_generation(asset=None, prompt="")  # "—" as the preview
    wide = "\uff46\uff55\uff4c\uff4c \U0001f680"  # full-width letters, a rocket
    made["unicode"] = make_generation(prompt="Cafe\u0301 " * 30 + wide)
    made["failed_without_error"] = make_generation(prompt="failed quietly")
    lifecycle.mark_failed(made["failed_without_error"], "")
    cancelled_pending = make_generation(prompt="pending, cancel asked")
    Generation.objects.filter(pk=cancelled_pending.pk).update(cancel_requested_at=timezone.now())
    # spread the ages over "just now" .. a date
    now = timezone.now()
    for index, pk in enumerate(Generation.objects.order_by("id").values_list("pk", flat=True)):
        ages = (0, 1, 50, 400, 4000, 90_000, 4_000_000)
        Generation.objects.filter(pk=pk).update(
            created_at=now - timedelta(seconds=ages[index % len(ages)] + index)
        )
    Generation.objects.filter(owner=other_user).update(version=F("version") + 7)
    return made


@pytest.fixture(
    params=[
        ("superuser",),
        ("view_generation", "change_generation"),
        ("view_generation",),
        ("view_generation", "view_all_generations"),
        ("view_generation", "change_generation", "view_all_generations"),
    ],
    ids=["superuser", "owner-change", "owner-view", "view-all", "view-all-change"],
)
def panel_client(request, user, admin_user):
    client = Client()
    if request.param == ("superuser",):
        client.force_login(admin_user)
    else:
        user.is_staff = True
        user.save()
        client.force_login(grant(user, *request.param))
    return client

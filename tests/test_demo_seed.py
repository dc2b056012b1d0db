"""The demo's seed data looks like a real week: spread in time, timed like each provider,
retried chains, real errors, running jobs that are recent; card titles cut on a word."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from statistics import mean

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gallery.models import Asset, cut_on_word
from genstatus.models import Generation
from genstatus.states import ACTIVE, TERMINAL, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> list[Generation]:
    call_command("seed_demo", verbosity=0)
    return list(Generation.objects.order_by("created_at", "id"))


def test_history_is_spread_over_days(seeded: list[Generation]) -> None:
    created = [g.created_at for g in seeded]
    assert max(created) - min(created) > timedelta(days=4)
    assert len({c.date() for c in created}) >= 5
    assets = list(Asset.objects.values_list("created_at", flat=True))
    assert max(assets) - min(assets) > timedelta(days=4)


def test_each_row_is_timed_in_order(seeded: list[Generation]) -> None:
    for g in seeded:
        if g.started_at:
            assert g.created_at < g.started_at, g
        if g.finished_at:
            assert (g.started_at or g.created_at) < g.finished_at, g
        times = list(g.events.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times), g
        assert times[0] == g.created_at
        if g.status in TERMINAL and g.started_at:
            ended = g.events.filter(to_status=g.status).exclude(kind="retried")
            assert ended.latest("created_at", "id").created_at == g.finished_at


def test_durations_vary_by_provider(seeded: list[Generation]) -> None:
    durations = defaultdict(list)
    for g in seeded:
        if g.started_at and g.finished_at:
            durations[g.provider].append((g.finished_at - g.started_at).total_seconds())
    assert mean(durations["sora"]) > mean(durations["runway"]) > mean(durations["pixverse"])
    every = [d for ds in durations.values() for d in ds]
    assert len({round(d) for d in every}) > len(every) // 2  # not one duration for all


def test_some_failed_jobs_were_retried_once_some_twice(seeded: list[Generation]) -> None:
    retried = [g for g in seeded if g.retry_of_id]
    assert len(retried) >= 3
    assert any(g.retry_count >= 2 for g in retried)
    for attempt in retried:
        original = attempt.retry_of
        assert original.status == Status.FAILED
        assert original.finished_at < attempt.created_at


def test_failures_carry_real_errors(seeded: list[Generation]) -> None:
    failed = [g for g in seeded if g.status == Status.FAILED]
    assert len({g.error_code for g in failed}) >= 3
    assert all(g.error_message and g.error_code for g in failed)


def test_running_jobs_are_recent_and_history_is_not(seeded: list[Generation]) -> None:
    now = timezone.now()
    active = [g for g in seeded if g.status in ACTIVE]
    assert {g.status for g in active} == set(ACTIVE)
    assert all(now - g.created_at < timedelta(minutes=10) for g in active)
    history = [g for g in seeded if g.status not in ACTIVE]
    assert sum(now - g.created_at > timedelta(days=1) for g in history) > len(history) // 2


def test_alice_has_four_assets_with_her_own_jobs(seeded: list[Generation]) -> None:
    assert Asset.objects.filter(owner__username="alice").count() == 4
    assert {g.asset.owner.username for g in seeded if g.owner.username == "alice"} == {"alice"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A short title", "A short title"),
        (
            "A lighthouse on a basalt cliff at dusk, volumetric fog, 35mm film grain",
            "A lighthouse on a basalt cliff at dusk…",
        ),
        ("x" * 60, "x" * 47 + "…"),
        ("  spaces   inside\nand out  ", "spaces inside and out"),
    ],
)
def test_titles_are_cut_on_a_word_with_an_ellipsis(text: str, expected: str) -> None:
    assert cut_on_word(text) == expected
    assert len(cut_on_word(text)) <= 48


def test_the_cards_show_the_cut_title_and_the_full_one_on_hover(client, seeded) -> None:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo"))
    page = client.get(reverse("gallery:index"), {"limit": 1000}).content.decode()
    full = "Macro shot of dew on a spider web, morning backlight, shallow depth of field"
    assert f'title="{full}">Macro shot of dew on a spider web, morning…</h2>' in page

"""Provider classes, the registry, and retry/cancel reaching the provider."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from genstatus import lifecycle, providers
from genstatus.exceptions import InvalidTransition, RetryLimitReached
from genstatus.models import Generation
from genstatus.providers import Provider, ProviderError, UnknownProvider

pytestmark = pytest.mark.django_db

CALLS: list[tuple[str, int]] = []


class RecordingProvider(Provider):
    """An external-API provider: records calls, queues on submit, confirms cancels."""

    confirm_cancel = True

    def submit(self, generation):
        CALLS.append(("submit", generation.pk))
        lifecycle.mark_queued(generation, provider_job_id=f"rec-{generation.pk}")

    def cancel(self, generation):
        CALLS.append(("cancel", generation.pk))
        return self.confirm_cancel


class UnconfirmedCancelProvider(RecordingProvider):
    confirm_cancel = False


class BrokenProvider(Provider):
    def submit(self, generation):
        raise ConnectionError("api.example.com: connection refused")

    def cancel(self, generation):
        raise ConnectionError("api.example.com: connection refused")


class RejectingProvider(Provider):
    def submit(self, generation):
        raise ProviderError("Prompt rejected by the content policy.", code="content_policy")


class NotAProvider:
    pass


HERE = "tests.test_providers"
PROVIDERS = {
    "pixverse": f"{HERE}.RecordingProvider",
    "sora": f"{HERE}.UnconfirmedCancelProvider",
    "broken": f"{HERE}.BrokenProvider",
    "rejecting": f"{HERE}.RejectingProvider",
    "runway": None,
}


@pytest.fixture(autouse=True)
def configured(settings):
    settings.GENSTATUS_PROVIDERS = PROVIDERS
    CALLS.clear()


def test_registry_instantiates_the_configured_class_once_with_its_name():
    provider = providers.get_provider("pixverse")
    assert isinstance(provider, RecordingProvider)
    assert provider.name == "pixverse"
    assert providers.get_provider("pixverse") is provider


def test_a_provider_configured_as_none_has_no_class():
    assert providers.get_provider("runway") is None


def test_unknown_provider_names_the_configured_ones():
    with pytest.raises(UnknownProvider, match=r"'midjourney' is not in GENSTATUS_PROVIDERS"):
        providers.get_provider("midjourney")


def test_registry_follows_setting_changes(settings):
    first = providers.get_provider("pixverse")
    settings.GENSTATUS_PROVIDERS = {"pixverse": f"{HERE}.BrokenProvider"}
    assert isinstance(providers.get_provider("pixverse"), BrokenProvider)
    assert first is not providers.get_provider("pixverse")


def test_a_class_that_is_not_a_provider_is_refused(settings):
    settings.GENSTATUS_PROVIDERS = {"pixverse": f"{HERE}.NotAProvider"}
    with pytest.raises(
        ImproperlyConfigured, match=r"not a genstatus\.providers\.Provider subclass"
    ):
        providers.get_provider("pixverse")


def test_base_provider_without_submit_or_run_fails_the_generation(settings, make_generation):
    settings.GENSTATUS_PROVIDERS = {"pixverse": "genstatus.providers.Provider"}
    generation = make_generation()
    assert providers.submit(generation) is True
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == ("failed", "submit_failed")
    assert "implements neither submit() nor run()" in generation.error_message


def test_submit_calls_the_provider(make_generation):
    generation = make_generation()
    assert providers.submit(generation) is True
    generation.refresh_from_db()
    assert [("submit", generation.pk)] == CALLS
    assert (generation.status, generation.provider_job_id) == ("queued", f"rec-{generation.pk}")


def test_submit_is_a_no_op_without_a_provider_class(make_generation):
    generation = make_generation(provider="runway")
    assert providers.submit(generation) is False
    generation.refresh_from_db()
    assert generation.status == "pending"


def test_submit_of_an_unlisted_provider_leaves_the_row_to_the_host(make_generation, caplog):
    generation = make_generation(provider="midjourney")
    assert providers.submit(generation) is False
    assert "'midjourney' is not in GENSTATUS_PROVIDERS" in caplog.text
    generation.refresh_from_db()
    assert generation.status == "pending"


def test_a_submit_error_fails_the_generation_and_keeps_the_row(make_generation):
    generation = make_generation(provider="broken")
    providers.submit(generation)
    generation.refresh_from_db()
    assert generation.status == "failed"
    assert generation.error_code == "submit_failed"
    assert generation.error_message == (
        "Could not submit to broken: api.example.com: connection refused"
    )


def test_a_provider_error_keeps_its_message_and_code(make_generation):
    generation = make_generation(provider="rejecting")
    providers.submit(generation)
    generation.refresh_from_db()
    assert (generation.status, generation.error_code, generation.error_message) == (
        "failed",
        "content_policy",
        "Prompt rejected by the content policy.",
    )


# Retry reaches the provider after commit


def test_retry_submits_the_new_attempt_after_commit(
    make_generation, user, django_capture_on_commit_callbacks
):
    generation = make_generation()
    lifecycle.mark_failed(generation, "boom", code="timeout")
    with django_capture_on_commit_callbacks() as callbacks:
        attempt = lifecycle.retry(generation, actor=user)
        assert CALLS == []  # nothing reaches the provider before the commit
    for callback in callbacks:
        callback()
    attempt.refresh_from_db()
    assert [("submit", attempt.pk)] == CALLS
    assert attempt.status == "queued"
    generation.refresh_from_db()
    assert generation.status == "failed"  # the original never changes
    assert generation.events.latest("id").actor == user
    assert attempt.events.get(kind="created").actor == user


def test_a_rolled_back_retry_never_reaches_the_provider(make_generation):
    from django.db import transaction

    generation = make_generation()
    lifecycle.mark_failed(generation, "boom")

    def retry_then_fail():
        with transaction.atomic():
            lifecycle.retry(generation)
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        retry_then_fail()
    assert CALLS == []
    assert not Generation.objects.filter(retry_of=generation).exists()


def test_retry_whose_submit_fails_is_kept_as_a_failed_attempt(
    make_generation, django_capture_on_commit_callbacks
):
    generation = make_generation(provider="broken")
    lifecycle.mark_failed(generation, "boom")
    with django_capture_on_commit_callbacks(execute=True):
        attempt = lifecycle.retry(generation)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.error_code, attempt.retry_of) == (
        "failed",
        "submit_failed",
        generation,
    )


def test_retry_cap_refuses_without_reaching_the_provider(
    make_generation, settings, django_capture_on_commit_callbacks
):
    settings.GENSTATUS_MAX_RETRIES = 1
    generation = make_generation()
    lifecycle.mark_failed(generation, "boom")
    with django_capture_on_commit_callbacks(execute=True):
        attempt = lifecycle.retry(generation)
    lifecycle.mark_failed(attempt, "boom again")
    CALLS.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RetryLimitReached, match=r"retried 1 times; the limit is 1"),
    ):
        lifecycle.retry(attempt)
    assert CALLS == []


@pytest.mark.parametrize("status", ["pending", "queued", "processing", "completed"])
def test_retry_in_a_non_retryable_state_never_reaches_the_provider(
    make_generation, status, django_capture_on_commit_callbacks
):
    generation = make_generation()
    Generation.objects.filter(pk=generation.pk).update(status=status)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(InvalidTransition, match=f"is {status}; only failed or cancelled"),
    ):
        lifecycle.retry(generation)
    assert CALLS == []


# Cancel reaches the provider


def test_cancel_while_processing_confirmed_by_the_provider(
    make_generation, user, django_capture_on_commit_callbacks
):
    generation = make_generation()
    lifecycle.mark_processing(generation)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.request_cancel(generation, actor=user)
    generation.refresh_from_db()
    assert [("cancel", generation.pk)] == CALLS
    assert generation.status == "cancelled"
    kinds = list(generation.events.values_list("kind", "to_status", "actor"))
    assert kinds[-2:] == [
        ("cancel_requested", "processing", user.pk),
        ("transition", "cancelled", user.pk),
    ]


def test_cancel_while_processing_unconfirmed_stays_requested(
    make_generation, django_capture_on_commit_callbacks
):
    generation = make_generation(provider="sora")
    lifecycle.mark_processing(generation)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.request_cancel(generation)
    generation.refresh_from_db()
    assert [("cancel", generation.pk)] == CALLS
    assert generation.status == "processing"
    assert generation.cancel_requested_at is not None


def test_a_failing_provider_cancel_leaves_the_request_for_the_reaper(
    make_generation, django_capture_on_commit_callbacks, caplog
):
    generation = make_generation(provider="broken")
    lifecycle.mark_processing(generation)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.request_cancel(generation)
    generation.refresh_from_db()
    assert generation.status == "processing"
    assert "provider cancel of generation" in caplog.text


def test_cancel_of_a_queued_job_is_immediate_and_tells_the_provider(
    make_generation, django_capture_on_commit_callbacks
):
    generation = make_generation()
    lifecycle.mark_queued(generation)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.request_cancel(generation)
    generation.refresh_from_db()
    assert generation.status == "cancelled"
    assert [("cancel", generation.pk)] == CALLS


def test_cancel_of_a_pending_job_is_immediate_without_the_provider(
    make_generation, django_capture_on_commit_callbacks
):
    generation = make_generation()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.request_cancel(generation)
    generation.refresh_from_db()
    assert generation.status == "cancelled"
    assert CALLS == []


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_cancel_of_a_terminal_job_is_refused_and_never_reaches_the_provider(
    make_generation, status, django_capture_on_commit_callbacks
):
    generation = make_generation()
    Generation.objects.filter(pk=generation.pk).update(status=status)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(InvalidTransition, match=f"is {status}; only pending, queued or processing"),
    ):
        lifecycle.request_cancel(generation)
    assert CALLS == []


def test_a_completion_before_the_confirmation_wins(
    make_generation, django_capture_on_commit_callbacks
):
    generation = make_generation()
    lifecycle.mark_processing(generation)
    with django_capture_on_commit_callbacks() as callbacks:
        lifecycle.request_cancel(generation)
    lifecycle.mark_completed(Generation.objects.get(pk=generation.pk))
    for callback in callbacks:
        callback()  # the provider confirms too late
    generation.refresh_from_db()
    assert generation.status == "completed"
    assert not generation.events.filter(to_status="cancelled").exists()


# Checks


def genstatus_ids(**overrides):
    with override_settings(**overrides):
        return sorted(m.id for m in run_checks() if m.id and m.id.startswith("genstatus."))


def test_check_accepts_provider_subclasses():
    assert genstatus_ids() == []


def test_check_refuses_a_class_that_is_not_a_provider():
    assert genstatus_ids(GENSTATUS_PROVIDERS={"x": f"{HERE}.NotAProvider"}) == ["genstatus.E007"]


def test_check_refuses_an_unimportable_provider():
    assert genstatus_ids(GENSTATUS_PROVIDERS={"x": f"{HERE}.Nope"}) == ["genstatus.E007"]


def test_check_refuses_run_providers_without_a_tasks_framework(monkeypatch):
    from genstatus import checks

    monkeypatch.setattr(checks, "_tasks_available", lambda: False)
    run_provider = "tests.test_tasks.ScriptedProvider"
    assert genstatus_ids(GENSTATUS_PROVIDERS={"x": run_provider}) == ["genstatus.E009"]
    assert genstatus_ids() == []  # submit()-only providers need no Tasks framework


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"GENSTATUS_PRUNE_COMPLETED": None, "GENSTATUS_PRUNE_FAILED": None}, []),
        ({"GENSTATUS_PRUNE_COMPLETED": timedelta(days=-1)}, ["genstatus.E004"]),
        ({"GENSTATUS_PRUNE_FAILED": "a month"}, ["genstatus.E004"]),
    ],
)
def test_check_prune_ages(overrides, expected):
    assert genstatus_ids(**overrides) == expected

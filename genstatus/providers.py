"""Provider classes: how genstatus reaches the service that does the work.

A host writes one ``Provider`` subclass per service and names it in settings::

    GENSTATUS_PROVIDERS = {"pixverse": "myapp.providers.Pixverse", "sora": None}

A provider either talks to an external service (override ``submit`` and, if the service
can stop a job, ``cancel``), or does the work itself (override ``run``: genstatus runs it
through Django's Tasks framework with the status transitions, progress, heartbeat and
error capture handled for you). ``None`` names a provider the host drives entirely through
the lifecycle functions.

The module-level functions (``get_provider``, ``submit``, ``cancel``) are what
``genstatus.receivers`` (after a retry or a cancel request), the tasks and a host call.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils.module_loading import import_string

from genstatus import lifecycle
from genstatus.conf import genstatus_settings
from genstatus.exceptions import GenstatusError, InvalidTransition
from genstatus.models import Generation

logger = logging.getLogger("genstatus")

SUBMIT_FAILED = "submit_failed"  # error code of a generation the provider refused or never got
RUN_FAILED = "provider_error"  # error code of a run() that raised an unexpected exception


class UnknownProvider(GenstatusError, LookupError):
    """A provider name that ``GENSTATUS_PROVIDERS`` does not list."""


class ProviderError(GenstatusError):
    """Raise from ``submit`` or ``run`` to fail the generation with a message and a code.

    ``raise ProviderError("Prompt rejected by the content policy.", code="content_policy")``
    """

    def __init__(self, message: str, *, code: str = RUN_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class CancelRequested(GenstatusError):
    """Raised by ``report()`` inside ``run()`` when someone asked to cancel the generation.

    Let it propagate: genstatus marks the generation cancelled. Catch it only to clean up.
    """


class GenerationGone(GenstatusError):
    """Raised by ``report()`` when the generation stopped processing under ``run()``
    (the reaper failed it as stale, or a cancel was confirmed). Let it propagate."""


class Provider:
    """Base class of a provider. Override ``submit`` (+ ``cancel``) or ``run``.

    One instance per configured name is created lazily and reused, so keep per-job state
    on the generation (``provider_job_id``, ``params``), not on the instance.
    """

    #: The name under which the provider is configured (set by the registry).
    name: str = ""

    def __init__(self, name: str = "") -> None:
        self.name = name or self.name

    def submit(self, generation: Generation) -> None:
        """Hand ``generation`` (pending) to the provider.

        The default, for providers that implement ``run()``, marks it queued and enqueues
        ``genstatus.tasks.run_generation`` on ``GENSTATUS_TASK_BACKEND``. A provider with an
        external API overrides this: call the API, then ``lifecycle.mark_queued(generation,
        provider_job_id=...)``. Raise ``ProviderError`` (or anything) to fail the generation
        with code ``submit_failed``.
        """
        if not self.runs_jobs:
            raise NotImplementedError(
                f"{type(self).__qualname__} implements neither submit() nor run()."
            )
        # imported on use: genstatus.tasks needs the optional Tasks framework, and it
        # imports this module (import-linter's one ignored edge; see pyproject.toml)
        from genstatus import tasks

        lifecycle.mark_queued(generation)
        tasks.enqueue_run(generation)

    def cancel(self, generation: Generation) -> bool:
        """Ask the provider to stop ``generation``; True when it confirms the job stopped.

        False (the default) means "not confirmed": a processing generation then becomes
        cancelled when ``run()`` next calls ``report()``, or when the reaper finds the
        request older than ``GENSTATUS_CANCEL_GRACE``.
        """
        return False

    def run(self, generation: Generation, report: Report) -> Any:
        """Do the work of a processing ``generation``; optional.

        Call ``report(percent)`` as the work advances and ``report()`` at least once per
        ``GENSTATUS_STALE_AFTER`` (a heartbeat). Return the output asset (or None) to
        complete it; raise ``ProviderError`` to fail it with a code.
        """
        raise NotImplementedError

    @property
    def runs_jobs(self) -> bool:
        """True when this class implements ``run()`` (genstatus executes its jobs)."""
        return type(self).run is not Provider.run

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} {self.name!r}>"


class Report:
    """The ``report`` callable ``run()`` receives: progress, heartbeat and cancel checks."""

    def __init__(self, generation: Generation) -> None:
        self.generation = generation

    def __call__(self, progress: int | None = None) -> None:
        """Record ``progress`` (0-100), or without an argument just a heartbeat.

        Raises ``CancelRequested`` if a cancel was requested, ``GenerationGone`` if the
        generation is no longer processing.
        """
        try:
            if progress is None:
                lifecycle.heartbeat(self.generation)
            else:
                lifecycle.report_progress(self.generation, progress)
        except InvalidTransition as exc:
            raise GenerationGone(str(exc)) from exc
        if self.cancel_requested:
            raise CancelRequested(f"Cancel requested for generation {self.generation.pk}.")

    def heartbeat(self) -> None:
        """Same as ``report()``: the worker is alive."""
        self()

    @property
    def cancel_requested(self) -> bool:
        """True when someone asked to cancel the generation."""
        requested = (
            Generation.objects.filter(pk=self.generation.pk)
            .values_list("cancel_requested_at", flat=True)
            .first()
        )
        return requested is not None


@cache
def _load(name: str, path: str) -> Provider:
    cls = import_string(path)
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise ImproperlyConfigured(
            f"GENSTATUS_PROVIDERS[{name!r}] = {path!r} is not a genstatus.providers.Provider "
            "subclass."
        )
    return cls(name)


@receiver(setting_changed)
def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting == "GENSTATUS_PROVIDERS":
        _load.cache_clear()


def get_provider(name: str) -> Provider | None:
    """The provider instance configured for ``name``; None for a name configured as None
    (a provider the host runs itself). Raises ``UnknownProvider`` for an unlisted name."""
    configured = genstatus_settings.PROVIDERS
    if name not in configured:
        known = ", ".join(sorted(configured)) or "none"
        raise UnknownProvider(
            f"Provider {name!r} is not in GENSTATUS_PROVIDERS (configured: {known})."
        )
    path = configured[name]
    return None if path is None else _load(name, path)


def _provider_for(generation: Generation) -> Provider | None:
    try:
        return get_provider(generation.provider)
    except UnknownProvider as exc:
        logger.warning("genstatus: %s Generation %s is left to the host.", exc, generation.pk)
        return None


def submit(generation: Generation) -> bool:
    """Submit ``generation`` to its provider; False when no provider class is configured.

    An error from the provider never loses the row: the generation is marked failed with
    code ``submit_failed`` (or the ``ProviderError``'s code) and the error as its message.
    """
    provider = _provider_for(generation)
    if provider is None:
        return False
    try:
        provider.submit(generation)
    except InvalidTransition as exc:  # it moved on meanwhile (cancelled, ...): not a failure
        logger.info("genstatus: generation %s was not submitted: %s", generation.pk, exc)
    except Exception as exc:
        if isinstance(exc, ProviderError):
            message, code = exc.message, exc.code
        else:
            logger.exception("genstatus: submitting generation %s failed", generation.pk)
            message = f"Could not submit to {generation.provider}: {exc or type(exc).__name__}"
            code = SUBMIT_FAILED
        _fail_quietly(generation, message, code)
    return True


def submit_on_commit(generation: Generation) -> None:
    """``submit(generation)`` once the current transaction commits (now, outside one)."""
    transaction.on_commit(lambda: submit(generation), robust=True)


def cancel(generation: Generation) -> bool:
    """Ask the provider to stop ``generation``; True when it confirmed. Never raises."""
    provider = _provider_for(generation)
    if provider is None:
        return False
    try:
        return bool(provider.cancel(generation))
    except Exception:
        logger.exception("genstatus: provider cancel of generation %s failed", generation.pk)
        return False


def _fail_quietly(generation: Generation, message: str, code: str) -> None:
    try:
        lifecycle.mark_failed(generation, message, code=code[: lifecycle.ERROR_CODE_MAX_LENGTH])
    except InvalidTransition:  # it finished meanwhile (e.g. cancelled): nothing to fail
        logger.info(
            "genstatus: generation %s finished before its failure was recorded", generation.pk
        )

"""The jobs layer's signal receivers: a provider hears of the requests the lifecycle records.

The state machine (``genstatus.lifecycle``) imports nothing above it. After a change
commits it sends a signal; these receivers, connected in ``GenstatusConfig.ready()``, call
the provider:

- ``generation_retried``: the new attempt is submitted (``providers.submit``);
- ``generation_status_changed`` from queued to cancelled with a cancel request: the
  provider is told, best effort, to free its queue slot (``providers.cancel``);
- ``generation_cancel_requested`` (a processing job): the provider's ``cancel()`` is
  tried, and its confirmation cancels the row at once (``lifecycle.mark_cancelled``);
- ``pre_delete`` of the asset model: the asset's active generations are cancelled (their
  provider told, as for any cancel), with an event saying the asset was deleted: nothing
  stays pending forever with no asset.

Each runs after commit, from ``send_robust``: nothing reaches a provider for a change that
rolled back, and an error is logged without stopping the other receivers.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db.models.signals import pre_delete

from genstatus import lifecycle, providers, signals
from genstatus.conf import genstatus_settings
from genstatus.exceptions import InvalidTransition
from genstatus.models import Generation
from genstatus.states import ACTIVE, Status

logger = logging.getLogger("genstatus")

DISPATCH_UID = "genstatus.receivers"


def submit_retry(sender: Any, attempt: Generation, **kwargs: Any) -> None:
    """Submit a retry's new attempt to its provider class, if one is configured."""
    providers.submit(attempt)


def cancel_queued(sender: Any, generation: Generation, old: str, new: str, **kwargs: Any) -> None:
    """A queued job cancelled on request: ask the provider to drop it (best effort)."""
    requested = generation.cancel_requested_at is not None
    if old == Status.QUEUED and new == Status.CANCELLED and requested:
        providers.cancel(generation)


def confirm_cancel(sender: Any, generation: Generation, actor: Any = None, **kwargs: Any) -> None:
    """A processing job's cancel request: the provider's confirmation cancels it now.

    An unconfirmed request is finished by ``run()``'s next report or by the reaper."""
    if not providers.cancel(generation):
        return
    try:
        lifecycle.mark_cancelled(
            generation, actor=actor, message="Cancelled; the provider confirmed."
        )
    except InvalidTransition:  # a completion (or failure) arrived first and wins
        logger.info("genstatus: generation %s finished before its cancel", generation.pk)


ASSET_DELETED = "Its asset was deleted."


def cancel_for_deleted_asset(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An asset is being deleted: cancel its active generations, in the delete's
    transaction (a rolled-back delete cancels nothing; the provider hears after commit)."""
    if instance.pk is None:
        return
    for generation in Generation.objects.filter(asset_id=instance.pk, status__in=ACTIVE):
        try:
            lifecycle.request_cancel(generation, reason=ASSET_DELETED)
        except InvalidTransition:  # it finished meanwhile: nothing to cancel
            logger.info(
                "genstatus: generation %s finished before its asset's deletion", generation.pk
            )


def connect() -> None:
    """Connect the receivers (idempotent: one dispatch uid)."""
    signals.generation_retried.connect(submit_retry, dispatch_uid=DISPATCH_UID)
    signals.generation_status_changed.connect(cancel_queued, dispatch_uid=DISPATCH_UID)
    signals.generation_cancel_requested.connect(confirm_cancel, dispatch_uid=DISPATCH_UID)
    try:
        asset_model = apps.get_model(genstatus_settings.ASSET_MODEL)
    except (LookupError, ValueError):  # not set or not installed: the checks say so (E001-3)
        return
    pre_delete.connect(cancel_for_deleted_asset, sender=asset_model, dispatch_uid=DISPATCH_UID)

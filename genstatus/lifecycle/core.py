"""The state machine's core: ``transition()`` and ``create_generation()``.

``transition()`` is the one entry point for status changes: a conditional UPDATE (so two
concurrent writers cannot both win, on PostgreSQL and on SQLite), an event row, a version
bump, and ``generation_status_changed`` sent after the transaction commits.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NoReturn, cast

from django.db import connections, router, transaction
from django.db.models import F, Field, Model, Q
from django.dispatch import Signal
from django.utils import timezone

from genstatus import signals
from genstatus.exceptions import ConditionNotMet, InvalidTransition
from genstatus.models import Generation, GenerationEvent
from genstatus.states import TERMINAL, Status, sources_of

# A user (or AnonymousUser/None, stored as None) who caused a change.
Actor = Any

logger = logging.getLogger("genstatus")

_CAS_ATTEMPTS = 3  # a row can only move forward a few times; more means a livelock bug


def actor_or_none(actor: Actor) -> Any:
    """The user to record for a change: None for no user or an anonymous one."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def send_on_commit(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` (sender=Generation) with ``send_robust`` once the transaction commits."""

    def send() -> None:
        for receiver, response in signal.send_robust(sender=Generation, **kwargs):
            if isinstance(response, Exception):
                logger.error(
                    "genstatus: receiver %r of %s failed", receiver, signal, exc_info=response
                )

    transaction.on_commit(send, robust=True)


def _refuse(
    generation: Generation, current: str, requested: str, allowed: Iterable[str]
) -> NoReturn:
    allowed_text = ", ".join(sorted(allowed)) or "nowhere"
    if current in TERMINAL:
        why = f"{current} is terminal and never changes"
    else:
        why = f"{requested} is reached only from {allowed_text}"
    raise InvalidTransition(
        f"Generation {generation.pk} is {current}; cannot mark it {requested} ({why}).",
        generation_id=generation.pk,
        status=current,
        requested=requested,
    )


def current_status(generation: Generation) -> str:
    """The status the row has in the database now."""
    status = Generation.objects.filter(pk=generation.pk).values_list("status", flat=True).first()
    if status is None:
        raise Generation.DoesNotExist(f"Generation {generation.pk} does not exist.")
    return status


def _update_values(
    target: Status, now: datetime, fields: Mapping[str, Any] | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": target,
        "version": F("version") + 1,
        "updated_at": now,
        **(fields or {}),
    }
    if target == Status.PROCESSING:
        values.setdefault("started_at", now)
        values.setdefault("heartbeat_at", now)
    if target in TERMINAL:
        values.setdefault("finished_at", now)
    return values


def _compare_and_set(
    generation: Generation, target: Status, values: dict[str, Any], where: Q | None
) -> tuple[str, bool]:
    """Run the conditional UPDATE; return the status it moved the row from, and whether
    the instance was current (the row still had the instance's version).

    The first try also requires the instance's version: when it matches, every visible
    change (each bumps the version) is already in the instance, so the caller sets the new
    values on it instead of reading the row back. Otherwise, and on every later try, the
    row is matched on its status alone and read back afterwards."""
    allowed = sources_of(target)
    expected = generation.status
    known = generation.version if _plain(values) else None
    for _ in range(_CAS_ATTEMPTS):
        if expected in allowed:
            if known is not None and where is None:
                if update_current(generation, values, expected, known):
                    return expected, True
            elif known is not None and Generation.objects.filter(
                where, pk=generation.pk, status=expected, version=known
            ).update(**{**values, "version": known + 1}):
                apply_values(generation, values, known + 1)
                return expected, True
            known = None
            rows = Generation.objects.filter(where or Q(), pk=generation.pk, status=expected)
            if rows.update(**values):
                return expected, False
        current = current_status(generation)
        if current not in allowed:
            _refuse(generation, current, target, allowed)
        if where is not None and current == expected:
            raise ConditionNotMet(
                f"Generation {generation.pk} is {current} but no longer meets the "
                f"condition for {target}; left unchanged.",
                generation_id=generation.pk,
                status=current,
                requested=str(target),
            )
        expected = current
    # a row changing state faster than we can read it
    _refuse(generation, expected, target, allowed)  # pragma: no cover


def _plain(values: Mapping[str, Any]) -> bool:
    """True when every value but the version bump is a plain value the instance can hold
    as it is (no expression the database computes)."""
    return not any(
        hasattr(value, "resolve_expression") for name, value in values.items() if name != "version"
    )


def update_current(
    generation: Generation, values: Mapping[str, Any], status: str, version: int
) -> bool:
    """``UPDATE … SET values, version = version + 1 WHERE id = … AND status = status AND
    version = version``: the write path's commonest statement, written from the model's
    fields instead of a queryset built and compiled for every change. ``values`` are plain
    (``_plain``). True when the row matched; the instance is then set to what was
    written."""
    connection = connections[router.db_for_write(Generation)]
    meta = Generation._meta
    quote = connection.ops.quote_name
    pk_column = meta.pk.column if meta.pk is not None else "id"
    columns, params = [], []
    for name, value in {**values, "version": version + 1}.items():
        field = cast("Field[Any, Any]", meta.get_field(name))
        columns.append(f"{quote(str(field.column))} = %s")
        plain = value.pk if isinstance(value, Model) else value
        params.append(field.get_db_prep_save(plain, connection))
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(columns)} WHERE {quote(str(pk_column))}"
        f" = %s AND {quote('status')} = %s AND {quote('version')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, generation.pk, str(status), version])
        if cursor.rowcount != 1:
            return False
    apply_values(generation, values, version + 1)
    return True


def insert_event(event: GenerationEvent) -> None:
    """``INSERT`` ``event`` (its id is not read back): written from the model's fields like
    ``update_current``, a transition's second statement. A field whose value the database
    computes (an expression, ``db_default``) takes the ORM's way."""
    connection = connections[router.db_for_write(GenerationEvent)]
    quote = connection.ops.quote_name
    columns, params = [], []
    for field in GenerationEvent._meta.concrete_fields:
        if field.primary_key:
            continue
        value = field.pre_save(event, True)
        if hasattr(value, "resolve_expression"):
            event.save(force_insert=True)
            return
        columns.append(quote(str(field.column)))
        params.append(field.get_db_prep_save(value, connection))
    table = quote(GenerationEvent._meta.db_table)
    marks = ", ".join(["%s"] * len(params))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", params)


def apply_values(generation: Generation, values: Mapping[str, Any], version: int) -> None:
    """Set on ``generation`` what a conditional UPDATE that matched its version wrote."""
    for name, value in values.items():
        if name != "version":
            setattr(generation, name, value.value if isinstance(value, Status) else value)
    generation.version = version


def transition(
    generation: Generation,
    to: str,
    *,
    actor: Actor = None,
    message: str = "",
    fields: Mapping[str, Any] | None = None,
    where: Q | None = None,
) -> Generation:
    """Move ``generation`` to status ``to``, or raise ``InvalidTransition``.

    ``fields`` are extra column values written in the same UPDATE (error_message, ...).
    ``where`` is an extra condition checked by that same UPDATE, e.g. the reaper's "the
    heartbeat is still old": a heartbeat that lands first makes it fail with
    ``ConditionNotMet`` instead of failing a live job.
    The instance shows the row as written (read back only when it was not current); the
    signal goes out after commit.
    """
    target = Status(to)
    now = timezone.now()
    values = _update_values(target, now, fields)

    with transaction.atomic():
        expected, current = _compare_and_set(generation, target, values, where)
        if not current:  # when it was current, the values are on the instance already
            generation.refresh_from_db()
        actor = actor_or_none(actor)
        insert_event(
            GenerationEvent(
                generation=generation,
                kind=GenerationEvent.Kind.TRANSITION,
                from_status=expected,
                to_status=target,
                actor=actor,
                message=message,
                created_at=now,
            )
        )
        send_on_commit(
            signals.generation_status_changed,
            generation=copy.copy(generation),
            old=expected,
            new=str(target),
            actor=actor,
            kind=GenerationEvent.Kind.TRANSITION.value,
        )
    return generation


def create_generation(
    *,
    provider: str,
    operation_type: str,
    prompt: str = "",
    params: Mapping[str, Any] | None = None,
    asset: Any = None,
    owner: Actor = None,
    source_assets: Iterable[Any] = (),
    provider_job_id: str = "",
    actor: Actor = None,
    retry_of: Generation | None = None,
) -> Generation:
    """Create a pending generation with its "created" event; ``generation_created`` on commit."""
    if not provider:
        raise ValueError("A generation needs a provider name.")
    if not operation_type:
        raise ValueError("A generation needs an operation_type.")
    now = timezone.now()
    with transaction.atomic():
        generation = Generation.objects.create(
            provider=provider,
            operation_type=operation_type,
            prompt=prompt,
            params=dict(params or {}),
            asset=asset,
            owner=actor_or_none(owner),
            provider_job_id=provider_job_id,
            retry_of=retry_of,
            retry_count=(retry_of.retry_count + 1) if retry_of else 0,
            created_at=now,
            updated_at=now,
        )
        sources = list(source_assets)
        if sources:
            generation.source_assets.set(sources)
        actor = actor_or_none(actor if actor is not None else owner)
        GenerationEvent.objects.create(
            generation=generation,
            kind=GenerationEvent.Kind.CREATED,
            from_status="",
            to_status=Status.PENDING,
            actor=actor,
            created_at=now,
            message=f"Retry of #{retry_of.pk}" if retry_of else "",
        )
        send_on_commit(signals.generation_created, generation=copy.copy(generation), actor=actor)
    return generation

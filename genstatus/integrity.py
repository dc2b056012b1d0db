"""Integrity check for hosts: every generation's status equals its last event's target.

A mismatch means a row was changed outside ``genstatus.lifecycle`` (a raw UPDATE, a
restored backup, a bug). ``manage.py genstatus_integrity`` reports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from genstatus.models import Generation, GenerationEvent


@dataclass(frozen=True)
class Mismatch:
    generation_id: int
    status: str
    last_event_status: str | None  # None: the generation has no event at all

    def __str__(self) -> str:
        if self.last_event_status is None:
            return f"Generation {self.generation_id} is {self.status} but has no event."
        return (
            f"Generation {self.generation_id} is {self.status} but its last event says "
            f"{self.last_event_status}."
        )


def find_mismatches(batch_size: int = 5000) -> Iterator[Mismatch]:
    """Yield every generation whose status differs from its newest event's ``to_status``.

    One query per ``batch_size`` generations (keyset over id), each using the
    (generation, created_at, id) index of the event table.
    """
    last_event = GenerationEvent.objects.filter(generation_id=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    last_id = 0
    while True:
        rows = list(
            Generation.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .annotate(last_status=Subquery(last_event.values("to_status")[:1]))
            .values_list("pk", "status", "last_status")[:batch_size]
        )
        if not rows:
            return
        for pk, status, last_status in rows:
            if status != last_status:
                yield Mismatch(pk, status, last_status)
        last_id = rows[-1][0]

"""Generation and GenerationEvent. State changes live in ``genstatus.lifecycle``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genstatus.conf import asset_model_label
from genstatus.states import ACTIVE, TERMINAL, Status, StatusDisplay, status_display

VIEW_ALL_PERMISSION = "genstatus.view_all_generations"


@dataclass(frozen=True)
class Visibility:
    """Whose generations a user may see: the one rule, used by every surface (gallery
    badges, the panel, the admin, the API, the live consumer).

    ``everybody`` with ``view_all_generations`` (superusers pass ``has_perm``); otherwise
    the user's own (``owner_id``); nobody for an anonymous or inactive user
    (``owner_id`` None and not ``everybody``).
    """

    everybody: bool = False
    owner_id: Any = None

    @property
    def nobody(self) -> bool:
        return not self.everybody and self.owner_id is None

    def allows(self, owner_id: Any) -> bool:
        """May a generation owned by ``owner_id`` (a key, or its text) be shown?"""
        if self.everybody:
            return True
        return (
            self.owner_id is not None
            and owner_id is not None
            and (str(owner_id) == str(self.owner_id))
        )

    def filter(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """``queryset`` (of generations) narrowed to what may be shown."""
        if self.everybody:
            return queryset.all()
        if self.owner_id is None:
            return queryset.none()
        return queryset.filter(owner_id=self.owner_id)


NOBODY = Visibility()
EVERYBODY = Visibility(everybody=True)


def visibility(user: Any) -> Visibility:
    """The ``Visibility`` of ``user`` (None or anonymous: nobody). Costs a permission
    check (cached on the user object by Django's auth backend)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    if user.has_perm(VIEW_ALL_PERMISSION):
        return EVERYBODY
    return Visibility(owner_id=user.pk)


class GenerationQuerySet(models.QuerySet["Generation"]):
    def active(self) -> GenerationQuerySet:
        return self.filter(status__in=ACTIVE)

    def terminal(self) -> GenerationQuerySet:
        return self.filter(status__in=TERMINAL)

    def failed(self) -> GenerationQuerySet:
        return self.filter(status=Status.FAILED)

    def newest_first(self) -> GenerationQuerySet:
        return self.order_by("-created_at", "-id")

    def visible_to(self, user: Any) -> GenerationQuerySet:
        """Generations ``user`` may see (``visibility``): their own, or all with
        ``view_all_generations``."""
        return visibility(user).filter(self)  # type: ignore[return-value]


class Generation(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="genstatus_generations",
        help_text=_("Empty for system jobs."),
    )
    asset = models.ForeignKey(
        asset_model_label(),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="genstatus_generations",
        help_text=_("The card this generation fills."),
    )
    source_assets: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        asset_model_label(),
        blank=True,
        related_name="genstatus_derived_generations",
        help_text=_("Input assets being extended or remixed."),
    )
    provider = models.CharField(max_length=100)
    operation_type = models.CharField(max_length=50)
    prompt = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    provider_job_id = models.CharField(max_length=255, blank=True)
    retry_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retried_as",
        help_text=_("The attempt this one retries; an attempt is retried at most once."),
    )

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    error_message = models.TextField(blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=False)
    updated_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("view_all_generations", "Can view all users' generations")]
        indexes = [
            # badge: newest generation of each asset
            models.Index(fields=["asset", "-created_at", "-id"], name="gs_gen_asset_newest"),
            # panel and API: newest first, all / per owner / per status / per provider
            models.Index(fields=["-created_at", "-id"], name="gs_gen_newest"),
            models.Index(fields=["owner", "-created_at", "-id"], name="gs_gen_owner_newest"),
            models.Index(fields=["status", "-created_at", "-id"], name="gs_gen_status_newest"),
            models.Index(fields=["provider", "-created_at", "-id"], name="gs_gen_provider_newest"),
            # small sets the reaper and the Active tab read
            models.Index(
                fields=["heartbeat_at"],
                name="gs_gen_active_heartbeat",
                condition=Q(status__in=sorted(ACTIVE)),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="gs_gen_progress_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"Generation #{self.pk} ({self.provider} {self.operation_type}, {self.status})"

    @property
    def display(self) -> StatusDisplay:
        return status_display(self.status)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def duration(self) -> Any:
        """Time from start to finish (or to now while running); None before it started."""
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class GenerationEvent(models.Model):
    """One row per lifecycle change: the history a support person reads."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status change")
        CANCEL_REQUESTED = "cancel_requested", _("Cancel requested")
        RETRIED = "retried", _("Retried")

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRANSITION)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["generation", "created_at", "id"], name="gs_event_history")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status} ({self.get_kind_display()})"


class MaintenanceRun(models.Model):
    """When a maintenance task last ran (one row per task, e.g. ``"reap"``), written by
    ``genstatus.maintenance.reap``: the panel's health banner and the metrics read it to
    tell a stopped reaper from a quiet one."""

    task = models.CharField(max_length=50, primary_key=True)
    ran_at = models.DateTimeField()
    changed = models.PositiveIntegerField(default=0, help_text=_("Rows the run changed."))

    class Meta:
        verbose_name = _("maintenance run")

    def __str__(self) -> str:
        return f"{self.task} at {self.ran_at:%Y-%m-%d %H:%M:%S}"


class DailyStat(models.Model):
    """Everyone's generations counted per closed UTC day: created ones by provider and
    operation (``kind="created"``), finished ones by provider, operation, status and
    error code (``"finished"``), the histograms of their durations by provider and
    operation (``"wait"``, ``"run"``: ``{bucket: count}``), and a ``"closed"`` row marking
    the day as counted. The 30-day window of
    the Statistics page reads these instead of every row of the window
    (``genstatus.stats.rollup``); rows are written once per day, by the first read that
    needs them."""

    day = models.DateField()
    kind = models.CharField(max_length=10)
    provider = models.CharField(max_length=100, blank=True)
    operation_type = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=0)
    histogram = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("daily statistic")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "kind",
                    "provider",
                    "operation_type",
                    "status",
                    "error_code",
                ],
                name="gs_dailystat_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.provider} {self.operation_type} {self.status}"

"""Prometheus metrics read from the database (``pip install django-genstatus[metrics]``).

Mount it in your URLconf and scrape it (docs/observability.md)::

    path("genstatus/", include("genstatus.metrics")),  # GET /genstatus/metrics

A scrape is allowed with ``Authorization: Bearer <GENSTATUS_METRICS_TOKEN>``, for a
logged-in user with ``genstatus.view_all_generations`` (the figures are everyone's), or
for anyone when ``GENSTATUS_METRICS_ANONYMOUS = True`` (behind a private network). Any
other request is refused: 401 without credentials, 403 with the wrong ones.

Every value is read from the database at scrape time by ``GenerationCollector`` (no
counters in process memory: they survive restarts and agree across processes). The
windowed figures read one range of the ``finished_at`` index of migration 0005:

- ``genstatus_generations_active{status,provider}``: pending, queued and processing rows;
- ``genstatus_oldest_active_age_seconds{status}``: age since creation of the oldest one;
- ``genstatus_generations_finished{window,provider,status,error_code}``: rows that
  completed, failed or were cancelled in the last 5 minutes and the last hour;
- ``genstatus_run_duration_seconds{provider}`` (histogram): start to finish of the
  generations that completed in the last hour; ``genstatus_queue_wait_seconds{provider}``
  (histogram): creation to start of those that finished after starting, same hour;
- ``genstatus_stuck_generations`` / ``genstatus_waiting_generations``: the health
  banner's counts (capped at 1000);
- ``genstatus_reaper_last_run_timestamp_seconds``: when ``genstatus_reap`` last ran (0
  if never).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views import View

from genstatus.conf import genstatus_settings
from genstatus.models import EVERYBODY, VIEW_ALL_PERMISSION, Generation
from genstatus.states import ACTIVE, Status
from genstatus.stats.health import health
from genstatus.stats.sql import EpochBucket

try:
    import prometheus_client  # noqa: F401  # the optional dependency, checked when mounted
except ImportError as error:  # pragma: no cover - the dev environment has it
    raise ImproperlyConfigured(
        "genstatus.metrics needs prometheus-client: pip install 'django-genstatus[metrics]'."
    ) from error

WINDOWS = (("5m", timedelta(minutes=5)), ("1h", timedelta(hours=1)))
HISTOGRAM_WINDOW = timedelta(hours=1)
BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)


class GenerationCollector:
    """A ``prometheus_client`` collector whose every value is one query at scrape time."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now

    def collect(self) -> Iterator[Any]:
        now = self.now or timezone.now()
        yield from active_metrics(now)
        yield finished_metric(now)
        yield histogram(
            "genstatus_run_duration_seconds",
            "Start to finish of the generations that completed in the last hour.",
            Generation.objects.filter(status=Status.COMPLETED),
            "started_at",
            now,
        )
        yield histogram(
            "genstatus_queue_wait_seconds",
            "Creation to start of the generations that finished in the last hour.",
            Generation.objects.filter(started_at__isnull=False),
            "created_at",
            now,
        )
        yield from health_metrics(now)


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> Any:
    from prometheus_client.core import GaugeMetricFamily

    return GaugeMetricFamily(name, documentation, labels=labels)


def active_metrics(now: datetime) -> Iterator[Any]:
    """Active rows by status and provider, and each status's oldest (the partial index of
    the active rows, migration 0002)."""
    active = _gauge(
        "genstatus_generations_active",
        "Generations pending, queued or processing, by status and provider.",
        ["status", "provider"],
    )
    oldest = _gauge(
        "genstatus_oldest_active_age_seconds",
        "Age (since creation) of the oldest generation in each active status.",
        ["status"],
    )
    rows = (
        Generation.objects.filter(status__in=sorted(ACTIVE))
        .order_by()
        .values("status", "provider")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    )
    first: dict[str, datetime] = {}
    for row in rows:
        active.add_metric([row["status"], row["provider"]], row["n"])
        if row["status"] not in first or row["oldest"] < first[row["status"]]:
            first[row["status"]] = row["oldest"]
    for status in sorted(ACTIVE):
        age = (now - first[status]).total_seconds() if status in first else 0.0
        oldest.add_metric([status], max(age, 0.0))
    yield active
    yield oldest


def finished_metric(now: datetime) -> Any:
    """Finished rows of each window by provider, status and error code, in one read of
    the longest window."""
    metric = _gauge(
        "genstatus_generations_finished",
        "Generations that completed, failed or were cancelled in the window, by provider, "
        "status and error code (empty unless failed).",
        ["window", "provider", "status", "error_code"],
    )
    longest = max(span for _name, span in WINDOWS)
    counts = {name: Count("pk", filter=Q(finished_at__gte=now - span)) for name, span in WINDOWS}
    rows: Any = (  # rows of named counts
        Generation.objects.filter(finished_at__gte=now - longest, finished_at__lt=now)
        .filter(status__in=FINISHED)
        .order_by()
        .values("provider", "status", "error_code")
        .annotate(**counts)
    )
    for row in rows:
        code = row["error_code"] if row["status"] == Status.FAILED else ""
        for name, _span in WINDOWS:
            if row[name]:
                metric.add_metric([name, row["provider"], row["status"], code], row[name])
    return metric


def histogram(
    name: str, documentation: str, rows: QuerySet[Generation], since: str, now: datetime
) -> Any:
    """A histogram of ``finished_at - <since>`` (run duration) or ``started_at -
    created_at`` (queue wait) per provider over the last hour; the sum in whole seconds."""
    from prometheus_client.core import HistogramMetricFamily

    until = "finished_at" if since == "started_at" else "started_at"
    metric = HistogramMetricFamily(name, documentation, labels=["provider"])
    buckets = {
        f"le_{bound}": Count(
            "pk", filter=Q(**{f"{until}__lte": F(since) + timedelta(seconds=bound)})
        )
        for bound in BUCKETS
    }
    seconds = EpochBucket(until, 1) - EpochBucket(since, 1)
    grouped: Any = (  # rows of named counts
        rows.filter(finished_at__gte=now - HISTOGRAM_WINDOW, finished_at__lt=now)
        .order_by()
        .values("provider")
        .annotate(n=Count("pk"), total=Sum(seconds), **buckets)
    )
    for row in grouped:
        cumulative = [(str(float(bound)), row[f"le_{bound}"]) for bound in BUCKETS]
        metric.add_metric(
            [row["provider"]], [*cumulative, ("+Inf", row["n"])], float(row["total"] or 0)
        )
    return metric


def health_metrics(now: datetime) -> Iterator[Any]:
    state = health(EVERYBODY, now)
    stuck = _gauge(
        "genstatus_stuck_generations",
        "Processing generations with no heartbeat for longer than GENSTATUS_STALE_AFTER "
        "(capped at 1001).",
    )
    stuck.add_metric([], state.stuck)
    waiting = _gauge(
        "genstatus_waiting_generations",
        "Pending or queued generations older than GENSTATUS_QUEUED_STALE_AFTER (capped at 1001).",
    )
    waiting.add_metric([], state.waiting)
    reaper = _gauge(
        "genstatus_reaper_last_run_timestamp_seconds",
        "When genstatus_reap last ran (Unix time; 0 if it never ran).",
    )
    reaper.add_metric([], state.reaper_ran_at.timestamp() if state.reaper_ran_at else 0.0)
    yield stuck
    yield waiting
    yield reaper


def scrape_allowed(request: HttpRequest) -> bool | None:
    """True: serve; False: refuse (403); None: no credentials (401)."""
    token = genstatus_settings.METRICS_TOKEN
    scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and presented:
        return token is not None and hmac.compare_digest(presented.strip().encode(), token.encode())
    if genstatus_settings.METRICS_ANONYMOUS:
        return True
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return bool(user.is_active and user.has_perm(VIEW_ALL_PERMISSION))


class MetricsView(View):
    """``GET``: the metrics in Prometheus's text format."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        allowed = scrape_allowed(request)
        if allowed is None:
            response = HttpResponse("Authentication required.\n", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="genstatus metrics"'
            return response
        if not allowed:
            return HttpResponse("Not allowed.\n", status=403)
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        registry = CollectorRegistry(auto_describe=False)
        registry.register(GenerationCollector())
        response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
        response["Cache-Control"] = "no-store"
        return response


urlpatterns = [path("metrics", MetricsView.as_view(), name="genstatus-metrics")]

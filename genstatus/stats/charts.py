"""Completions and failures over time as SVG drawn on the server.

``bar_chart(series, label, window)`` computes a ``Chart``: the geometry of one stacked bar
per bucket (completed below, failed above), the axis ticks and the texts a screen reader
announces (``title``, ``description``). ``render_chart(chart)`` is its one renderer: a
``<figure>`` with the SVG (``role="img"``, ``<title>``, ``<desc>``), a caption with the
key, and the data table in a ``<details>`` (built in Python: a page draws up to 31 bars
per provider, which a template renders ten times slower). Colours are CSS custom
properties (``--gs-chart-completed``, ``--gs-chart-failed``) and text is
``currentColor``, so dark mode and print follow the stylesheet; no JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from genstatus.stats.figures import Series
from genstatus.stats.windows import Window

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 8, 24  # margins for the axes' labels
X_LABELS = 6


@dataclass(frozen=True)
class Bar:
    start: datetime
    text: str  # the bucket's start, as the data table and the tooltip say it
    completed: int
    failed: int
    x: float
    width: float
    completed_y: float
    completed_height: float
    failed_y: float
    failed_height: float


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    slug: str  # unique on the page: the ids of title and desc
    title: str
    description: str
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT


def bar_chart(series: Series, label: str, window: Window) -> Chart:
    """The chart of one provider's ``series`` over ``window``."""
    count = max(len(series.starts), 1)
    top = _nice_ceiling(
        max((c + f for c, f in zip(series.completed, series.failed, strict=True)), default=0)
    )
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / count
    scale = plot_height / top
    bars = []
    for index, start in enumerate(series.starts):
        completed, failed = series.completed[index], series.failed[index]
        completed_height, failed_height = completed * scale, failed * scale
        base = HEIGHT - BOTTOM
        bars.append(
            Bar(
                start=start,
                text=_bucket_text(start, window.step),
                completed=completed,
                failed=failed,
                x=round(LEFT + index * slot + slot * 0.1, 2),
                width=round(slot * 0.8, 2),
                completed_y=round(base - completed_height, 2),
                completed_height=round(completed_height, 2),
                failed_y=round(base - completed_height - failed_height, 2),
                failed_height=round(failed_height, 2),
            )
        )
    every = max(1, -(-count // X_LABELS))
    x_ticks = [
        Tick(round(bar.x + bar.width / 2, 2), _tick_text(bar.start, window.step))
        for bar in bars[::every]
    ]
    y_ticks = [
        Tick(round(HEIGHT - BOTTOM - value * scale, 2), formats.number_format(value))
        for value in (0, top // 2, top)
    ]
    return Chart(
        slug=series.provider,
        title=_("%(provider)s: completions and failures, %(window)s")
        % {"provider": label, "window": str(window.label).lower()},
        description=_describe(series, bars),
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )


def _describe(series: Series, bars: list[Bar]) -> str:
    completed, failed = sum(series.completed), sum(series.failed)
    text = ngettext(
        "%(completed)s completed and %(failed)s failed in %(count)d period.",
        "%(completed)s completed and %(failed)s failed in %(count)d periods.",
        len(bars),
    ) % {"completed": completed, "failed": failed, "count": len(bars)}
    worst = max(bars, key=lambda bar: (bar.failed, bar.start), default=None)
    if worst is not None and worst.failed:
        text += " " + _("Most failures (%(failed)s) in the period from %(start)s.") % {
            "failed": worst.failed,
            "start": worst.text,
        }
    return text


def _nice_ceiling(value: int) -> int:
    """The smallest of 2, 4 or 10 times a power of ten (even: its half is whole) at least
    ``value``."""
    if value <= 2:
        return 2
    magnitude = 1
    while True:
        for factor in (2, 4, 10):
            if factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10


def _bucket_text(start: datetime, step: timedelta) -> str:
    local = timezone.localtime(start)
    if step >= timedelta(days=1):
        return formats.date_format(local, "DATE_FORMAT")
    return formats.date_format(local, "DATETIME_FORMAT")


def _tick_text(start: datetime, step: timedelta) -> str:
    local = timezone.localtime(start)
    if step >= timedelta(hours=6):
        return formats.date_format(local, "M j")
    return formats.time_format(local, "H:i")


def render_chart(chart: Chart) -> SafeString:
    """The chart as a ``<figure>``: SVG, caption with the key, the data table."""
    ref = f"gs-chart-{slugify(chart.slug)}"
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}"/><text x="{}" y="{}" text-anchor="end" '
        'dominant-baseline="middle">{}</text>',
        (
            (LEFT, chart.right, t.position, t.position, LEFT - 6, t.position, t.text)
            for t in chart.y_ticks
        ),
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        ((t.position, HEIGHT - 6, t.text) for t in chart.x_ticks),
    )
    bars = SafeString("".join(_bar(bar) for bar in chart.bars))
    svg = format_html(
        '<svg class="gs-chart__svg" role="img" viewBox="0 0 {} {}" aria-labelledby="{}-title '
        '{}-desc" focusable="false"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<g class="gs-chart__grid" aria-hidden="true">{}{}</g><g aria-hidden="true">{}</g></svg>',
        WIDTH,
        HEIGHT,
        ref,
        ref,
        ref,
        chart.title,
        ref,
        chart.description,
        grid,
        labels,
        bars,
    )
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td class="gs-col-num">{}</td>'
        '<td class="gs-col-num">{}</td></tr>',
        ((bar.text, bar.completed, bar.failed) for bar in chart.bars),
    )
    return format_html(
        '<figure class="gs-chart">{}<figcaption class="gs-chart__caption"><strong>{}</strong>'
        '<span class="gs-chart__key gs-chart__key--completed">{}</span>'
        '<span class="gs-chart__key gs-chart__key--failed">{}</span></figcaption>'
        '<details class="gs-chart__data"><summary>{}</summary><table><caption>{}</caption>'
        '<thead><tr><th scope="col">{}</th><th scope="col" class="gs-col-num">{}</th>'
        '<th scope="col" class="gs-col-num">{}</th></tr></thead><tbody>{}</tbody></table>'
        "</details></figure>",
        svg,
        chart.title,
        _("Completed"),
        _("Failed"),
        _("Data table"),
        chart.title,
        _("Period from"),
        _("Completed"),
        _("Failed"),
        rows,
    )


def _bar(bar: Bar) -> str:
    parts = []
    if bar.completed:
        text = ngettext("%(counter)s completed", "%(counter)s completed", bar.completed)
        parts.append(
            format_html(
                '<rect class="gs-chart__completed" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {}</title></rect>",
                bar.x,
                bar.completed_y,
                bar.width,
                bar.completed_height,
                bar.text,
                text % {"counter": bar.completed},
            )
        )
    if bar.failed:
        text = ngettext("%(counter)s failed", "%(counter)s failed", bar.failed)
        parts.append(
            format_html(
                '<rect class="gs-chart__failed" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {}</title></rect>",
                bar.x,
                bar.failed_y,
                bar.width,
                bar.failed_height,
                bar.text,
                text % {"counter": bar.failed},
            )
        )
    return "".join(parts)

"""genstatus.stats: every figure against hand-computed data, on each database of the run
(SQLite computes the percentiles in Python, PostgreSQL with percentile_cont)."""

from datetime import UTC, datetime, timedelta

import pytest

from genstatus.models import EVERYBODY, Generation, visibility
from genstatus.stats.figures import statistics
from genstatus.stats.percentiles import ALL, Percentiles
from genstatus.stats.sql import percentile_cont
from genstatus.stats.windows import WINDOWS, window_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)
H = timedelta(hours=1)
DAY = window_of("24h")


def job(owner, provider, operation, status, created, started=None, finished=None, code=""):
    return Generation.objects.create(
        owner=owner,
        provider=provider,
        operation_type=operation,
        status=status,
        created_at=created,
        updated_at=finished or started or created,
        started_at=started,
        finished_at=finished,
        error_code=code,
    )


@pytest.fixture
def jobs(user, other_user):
    t = NOW
    # sora, text to image: waits 10, 20, 30, 40 s; runs 60, 120 s and 7 h - 40 s
    job(
        user,
        "sora",
        "text_to_image",
        "completed",
        t - 2 * H,
        t - 2 * H + 10 * S,
        t - 2 * H + 70 * S,
    )
    job(
        user,
        "sora",
        "text_to_image",
        "completed",
        t - 3 * H,
        t - 3 * H + 20 * S,
        t - 3 * H + 140 * S,
    )
    job(user, "sora", "text_to_image", "failed", t - H, t - H + 30 * S, t - H + 60 * S, "quota")
    # created before the 24 h window, finished inside it
    job(user, "sora", "text_to_image", "completed", t - 30 * H, t - 30 * H + 40 * S, t - 23 * H)
    # sora, image to video: one cancelled before it started, one still running
    job(user, "sora", "image_to_video", "cancelled", t - 30 * 60 * S, None, t - 29 * 60 * S)
    job(user, "sora", "image_to_video", "processing", t - 10 * 60 * S, t - 9 * 60 * S)
    # pixverse: only failures
    job(
        user,
        "pixverse",
        "text_to_video",
        "failed",
        t - 5 * H,
        t - 5 * H + 5 * S,
        t - 5 * H + 15 * S,
        "timeout",
    )
    job(user, "pixverse", "text_to_video", "failed", t - 6 * H, None, t - 6 * H + S, "lost")
    job(
        user,
        "pixverse",
        "text_to_video",
        "failed",
        t - 7 * H,
        t - 7 * H + 5 * S,
        t - 7 * H + 20 * S,
        "timeout",
    )
    # another user's job, and one older than every window
    job(other_user, "runway", "text_to_image", "completed", t - H, t - H + S, t - H + 2 * S)
    job(
        user,
        "sora",
        "text_to_image",
        "completed",
        t - 40 * 24 * H,
        t - 40 * 24 * H,
        t - 40 * 24 * H + S,
    )


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7.0], 0.95) == 7.0
    assert percentile_cont([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
    assert percentile_cont([10.0, 20.0, 30.0, 40.0], 0.95) == pytest.approx(38.5)


def test_a_users_figures_per_provider_and_operation(jobs, user):
    stats = statistics(visibility(user), DAY, NOW)
    sora = stats.figures[("sora", "text_to_image")]
    assert (sora.created, sora.completed, sora.failed, sora.cancelled) == (3, 3, 1, 0)
    assert sora.success_rate == 0.75
    assert sora.queue_wait == Percentiles(25.0, pytest.approx(38.5))
    assert sora.run_duration.p50 == 120.0
    assert sora.run_duration.p95 == pytest.approx(120 + 0.9 * (7 * 3600 - 40 - 120))
    assert sora.top_error_codes == [("quota", 1)]

    video = stats.figures[("sora", "image_to_video")]
    assert (video.created, video.completed, video.failed, video.cancelled) == (2, 0, 0, 1)
    assert video.success_rate is None
    assert (video.queue_wait, video.run_duration) == (None, None)

    total = stats.figures[("sora", ALL)]
    assert (total.created, total.completed, total.failed, total.cancelled) == (5, 3, 1, 1)
    assert total.queue_wait == sora.queue_wait


def test_a_provider_with_only_failures(jobs, user):
    pixverse = statistics(visibility(user), DAY, NOW).figures[("pixverse", ALL)]
    assert (pixverse.created, pixverse.completed, pixverse.failed) == (3, 0, 3)
    assert pixverse.success_rate == 0.0
    assert pixverse.queue_wait == Percentiles(5.0, 5.0)  # the "lost" one never started
    assert pixverse.run_duration is None
    assert pixverse.top_error_codes == [("timeout", 2), ("lost", 1)]


def test_every_provider_together(jobs, user):
    total = statistics(visibility(user), DAY, NOW).total
    assert (total.created, total.completed, total.failed, total.cancelled) == (8, 3, 4, 1)
    assert total.success_rate == pytest.approx(3 / 7)
    # waits 5, 5, 10, 20, 30, 40
    assert total.queue_wait == Percentiles(15.0, pytest.approx(37.5))


def test_a_users_statistics_never_count_another_users_jobs(jobs, user, other_user):
    mine = statistics(visibility(user), DAY, NOW)
    assert "runway" not in {provider for provider, _operation in mine.figures}
    theirs = statistics(visibility(other_user), DAY, NOW)
    assert set(theirs.figures) == {("runway", "text_to_image"), ("runway", ALL), (ALL, ALL)}
    assert theirs.total.completed == 1
    everyone = statistics(EVERYBODY, DAY, NOW)
    assert everyone.total.completed == 4
    assert everyone.total.created == 9


def test_an_empty_window(jobs, user, django_user_model):
    stranger = django_user_model.objects.create_user("stranger")
    stats = statistics(visibility(stranger), DAY, NOW)
    assert stats.providers() == []
    assert stats.series == []
    assert (stats.total.created, stats.total.completed, stats.total.success_rate) == (0, 0, None)
    quiet = statistics(visibility(user), window_of("1h"), NOW - 10 * 24 * H)
    assert quiet.total.created == 0
    assert quiet.total.queue_wait is None


def test_the_last_hour(jobs, user):
    stats = statistics(visibility(user), window_of("1h"), NOW)
    sora = stats.figures[("sora", ALL)]
    # created at NOW - 1 h (the window's start counts), NOW - 30 min and NOW - 10 min
    assert (sora.created, sora.completed, sora.failed, sora.cancelled) == (3, 0, 1, 1)
    assert ("pixverse", ALL) not in stats.figures


def test_thirty_days_leave_out_older_jobs(jobs, user):
    total = statistics(visibility(user), window_of("30d"), NOW).total
    assert total.completed == 3  # not the job of 40 days ago
    assert total.created == 9  # the 24 h ones and the one created 30 h ago


def test_series_counts_completions_and_failures_per_bucket(jobs, user):
    stats = statistics(visibility(user), DAY, NOW)
    assert [series.provider for series in stats.series] == ["pixverse", "sora"]
    pixverse, sora = stats.series
    assert len(sora.starts) == 24
    assert sora.starts[0] == NOW - 24 * H
    hours = {start.hour: index for index, start in enumerate(sora.starts)}
    assert sum(sora.completed) == 3
    assert sora.completed[hours[9]] == sora.completed[hours[10]] == sora.completed[hours[13]] == 1
    assert sora.failed[hours[11]] == 1
    assert sum(sora.failed) == 1  # a cancel is neither
    assert (pixverse.failed[hours[5]], pixverse.failed[hours[6]], pixverse.failed[hours[7]]) == (
        1,
        1,
        1,
    )
    assert sum(pixverse.completed) == 0


def test_windows_and_their_buckets():
    assert [w.slug for w in WINDOWS] == ["1h", "24h", "7d", "30d"]
    assert window_of("nonsense").slug == "24h"
    assert window_of("7d").step == timedelta(hours=6)


def test_thirty_days_for_everyone_read_the_daily_counts(jobs, monkeypatch):
    from genstatus.models import DailyStat
    from genstatus.stats import rollup

    month = window_of("30d")
    rolled = statistics(EVERYBODY, month, NOW)
    # whole UTC days inside the window, closed: Nov 7 to Dec 5
    assert DailyStat.objects.filter(kind="closed").count() == 29
    rows = DailyStat.objects.count()
    assert statistics(EVERYBODY, month, NOW).figures == rolled.figures  # counted once
    assert DailyStat.objects.count() == rows
    monkeypatch.setattr(rollup, "closed_days", lambda start, now: None)
    raw = statistics(EVERYBODY, month, NOW)
    assert rolled.figures.keys() == raw.figures.keys()
    for key, exact in raw.figures.items():
        estimated = rolled.figures[key]
        assert counts(estimated) == counts(exact)
        for name in ("queue_wait", "run_duration"):
            mine, truth = getattr(estimated, name), getattr(exact, name)
            assert (mine is None) == (truth is None)
            if truth is not None:  # within one histogram bucket (19 %)
                assert mine.estimated
                assert not truth.estimated
                assert mine.p50 == pytest.approx(truth.p50, rel=0.2)
                assert mine.p95 == pytest.approx(truth.p95, rel=0.2)
    assert [(s.provider, s.completed, s.failed) for s in rolled.series] == [
        (s.provider, s.completed, s.failed) for s in raw.series
    ]
    assert rolled.total.completed == 4
    assert rolled.total.created == 10


def counts(figures):
    return (
        figures.created,
        figures.completed,
        figures.failed,
        figures.cancelled,
        figures.error_codes,
    )


def test_a_closed_day_is_counted_once_and_kept(jobs, user):
    from genstatus.models import DailyStat

    month = window_of("30d")
    before = statistics(EVERYBODY, month, NOW).total.completed
    # a row of a counted day, removed (pruned) later: the day keeps its count
    Generation.objects.filter(finished_at=NOW - 23 * H).delete()
    assert DailyStat.objects.filter(kind="finished", day=(NOW - 23 * H).date()).exists()
    assert statistics(EVERYBODY, month, NOW).total.completed == before


def test_a_chart_says_what_it_shows_and_escapes_its_labels():
    from genstatus.stats.charts import bar_chart, render_chart
    from genstatus.stats.figures import Series

    starts = [NOW - 3 * H, NOW - 2 * H, NOW - H]
    series = Series("sora", starts, completed=[4, 0, 2], failed=[1, 3, 0])
    chart = bar_chart(series, "<b>Sora</b>", DAY)
    assert chart.title == "<b>Sora</b>: completions and failures, last 24 hours"
    assert chart.description.startswith("6 completed and 4 failed in 3 periods.")
    assert "Most failures (3) in the period from" in chart.description
    assert [tick.text for tick in chart.y_ticks] == ["0", "3", "6"]  # the tallest bar: 5
    # bars stand on the axis, failures on top of completions
    first = chart.bars[0]
    assert first.completed_y + first.completed_height == pytest.approx(chart.bottom, abs=0.02)
    assert first.failed_y + first.failed_height == pytest.approx(first.completed_y, abs=0.02)
    html = str(render_chart(chart))
    assert "<b>Sora</b>" not in html
    assert "&lt;b&gt;Sora&lt;/b&gt;: completions" in html
    assert 'role="img"' in html
    assert 'aria-labelledby="gs-chart-sora-title gs-chart-sora-desc"' in html
    assert html.count("<rect") == 4  # no rect for an empty part
    assert html.count("<tr>") == 4  # the data table: a header and three periods

"""genstatus.panel's helpers: cursors, counts, time formatting, bulk summaries; the
PostgreSQL indexes of migration 0002."""

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from genstatus import lifecycle, panel
from genstatus.exceptions import InvalidTransition, RetryLimitReached
from genstatus.models import Generation
from genstatus.states import ACTIVE, TABS


def capped_count(queryset, cap=None):
    """One queryset through ``panel.capped_counts``, with the planner's estimate."""
    unordered = queryset.order_by()
    cap = panel.counts.COUNT_CAP if cap is None else cap
    estimate = panel.counts.planner_estimate(unordered)
    return panel.capped_counts({"": (unordered, estimate)}, cap)[""]


def tab_counts(queryset, **flags):
    return panel.count_tabs(queryset, **flags).counts


def test_cursor_round_trips_to_the_microsecond():
    moment = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
    assert panel.decode_cursor(panel.encode_cursor(moment, 42)) == (moment, 42)


@pytest.mark.parametrize("value", ["", "abc", "12", "1_", "_1", "1.5_2"])
def test_bad_cursor(value):
    with pytest.raises(panel.BadCursor, match="not a valid page cursor"):
        panel.decode_cursor(value)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(5, "just now"), (90, "2m ago"), (3600 * 2 + 60, "2h ago"), (86_400 * 3, "3d ago")],
)
def test_time_ago(seconds, expected):
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert panel.time_ago(now - timedelta(seconds=seconds), now) == expected


def test_time_ago_shows_the_date_after_a_month():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert panel.time_ago(datetime(2026, 1, 2, tzinfo=UTC), now) == "2026-01-02"
    assert panel.time_ago(None) == ""


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=4.25), "4.2s"),
        (timedelta(seconds=75), "1m 15s"),
        (timedelta(hours=1, seconds=61), "1h 1m 1s"),
        (None, ""),
    ],
)
def test_format_duration(delta, expected):
    assert panel.format_duration(delta) == expected


def test_tab_count_text():
    assert str(panel.TabCount(1234, exact=True)) == "1,234"
    assert str(panel.TabCount(1000, exact=False)) == "1,000+"
    assert str(panel.TabCount(1_250_000, exact=False, estimated=True)) == "≈1.2M"
    assert panel.compact_number(2000) == "2k"


def error(status, requested, cls=InvalidTransition):
    return cls("x", generation_id=1, status=status, requested=requested)


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (error("completed", "retry"), "already completed"),
        (error("failed", "retry"), "already retried"),
        (error("processing", "retry"), "still running"),
        (error("failed", "retry", RetryLimitReached), "retry limit reached"),
        (error("cancelled", "cancel"), "already cancelled"),
    ],
)
def test_skip_reasons(exc, reason):
    assert panel.skip_reason(exc) == reason


def test_bulk_message():
    result = panel.BulkResult("retry", done=[1, 2, 3], skipped=Counter({"already completed": 2}))
    assert result.message == "3 retried, 2 skipped: already completed"
    result.skipped["still running"] += 1
    assert result.message == "3 retried, 3 skipped: 2 already completed, 1 still running"
    assert panel.BulkResult("cancel", done=[1]).message == "1 cancelled"


@pytest.mark.django_db
def test_run_bulk_goes_through_the_lifecycle(make_generation, settings):
    settings.GENSTATUS_MAX_RETRIES = 0
    failed = make_generation()
    lifecycle.mark_failed(failed, "boom")
    result = panel.run_bulk("retry", [failed], actor=None, missing=2)
    assert result.done == []
    assert result.skipped == Counter({"retry limit reached": 1, "not found": 2})


@pytest.mark.django_db
def test_capped_count_is_exact_below_the_cap(make_generation):
    for _ in range(3):
        make_generation()
    if connection.vendor == "postgresql":  # a fresh table's planner guess is ~60 rows
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE genstatus_generation")
    assert capped_count(Generation.objects.all(), cap=5) == panel.TabCount(3, exact=True)
    capped = capped_count(Generation.objects.all(), cap=2)
    assert not capped.exact
    assert capped.value >= 2


@pytest.mark.django_db
def test_partial_indexes_exist_on_every_backend():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "genstatus_generation")
    expected = {"gs_gen_active_newest", "gs_gen_failed_newest", "gs_gen_cancelled_newest"}
    if connection.features.supports_partial_indexes:
        assert expected <= set(constraints)
    else:  # MariaDB, MySQL: the tabs read the (status, created_at, id) index
        assert not expected & set(constraints)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_a_filtered_tab_count_reads_only_the_partial_index_on_postgres(make_generation, status):
    """Migration 0003: the Active and Failed indexes carry provider and operation type, so
    counting a filtered tab never visits the table for the filter.

    Committed and vacuumed, as a live table is: inside a test's transaction the visibility
    map is empty, an index-only scan costs a heap read per row like any index scan, and
    the planner's pick between the two then hangs on what earlier tests left in
    ``pg_class`` (ANALYZE's sizes survive a rollback)."""
    for index in range(40):
        generation = make_generation(provider="sora" if index % 2 else "pixverse")
        if status == "failed":
            lifecycle.mark_failed(generation, "boom")
        else:
            lifecycle.request_cancel(generation)
    template = make_generation(provider="sora")
    completed = []
    for _ in range(2000):  # the failed rows are a small part of the table, as in real life
        template.pk, template.status = None, "completed"
        completed.append(
            Generation(
                **{
                    f.attname: getattr(template, f.attname)
                    for f in Generation._meta.concrete_fields
                }
            )
        )
    Generation.objects.bulk_create(completed)
    tab = Generation.objects.filter(provider="sora", status=status).order_by()
    sql, params = tab.values("pk")[: panel.COUNT_CAP + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE genstatus_generation")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) counted", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Only Scan using gs_gen_{status}_newest" in plan, plan
    assert capped_count(tab) == panel.TabCount(20, exact=True)


@pytest.mark.postgres
@pytest.mark.django_db
def test_trigram_index_serves_icontains_on_postgres(make_generation):
    for index in range(30):
        make_generation(prompt=f"prompt number {index} with a lighthouse")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE genstatus_generation")
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = Generation.objects.filter(prompt__icontains="LIGHTHOUSE").order_by()
        sql, params = queryset.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "gs_gen_prompt_trgm" in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_planner_estimate_on_postgres(make_generation):
    for _ in range(5):
        make_generation()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE genstatus_generation")
    assert panel.planner_estimate(Generation.objects.all()) == 5


@pytest.mark.django_db
def test_planner_estimate_is_none_off_postgres():
    estimate = panel.planner_estimate(Generation.objects.all())
    if connection.vendor == "postgresql":
        assert isinstance(estimate, int)  # the figure itself: test_planner_estimate_on_postgres
    else:
        assert estimate is None


@pytest.mark.django_db
def test_tab_counts_of_a_small_filtered_set_come_from_one_query(make_generation):
    lifecycle.mark_failed(make_generation(provider="sora"), "boom")
    make_generation(provider="sora")
    make_generation(provider="runway")
    queryset = Generation.objects.filter(provider="sora")
    with CaptureQueriesContext(connection) as queries:
        counts = tab_counts(queryset, filtered=True)
    # one query reads the rows; on PostgreSQL an EXPLAIN first checks the set is small
    reads = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("EXPLAIN")]
    assert len(reads) == 1, reads
    assert len(queries.captured_queries) == (2 if connection.vendor == "postgresql" else 1)
    assert {slug: str(count) for slug, count in counts.items()} == {
        "all": "2",
        "active": "1",
        "failed": "1",
        "completed": "0",
        "cancelled": "0",
    }


@pytest.mark.django_db
def test_tab_counts_of_a_large_filtered_set_are_capped(make_generation, monkeypatch):
    monkeypatch.setattr(panel.counts, "COUNT_CAP", 2)
    for _ in range(3):
        make_generation(provider="sora")
    counts = tab_counts(Generation.objects.filter(provider="sora"), filtered=True)
    assert not counts["all"].exact
    assert counts["active"].value >= 2
    assert counts["failed"] == panel.TabCount(0, exact=True)


@pytest.mark.django_db
def test_capped_count_trusts_a_far_larger_estimate_without_counting(make_generation, monkeypatch):
    make_generation()
    monkeypatch.setattr(panel.counts, "planner_estimate", lambda queryset: 50_000)
    with CaptureQueriesContext(connection) as queries:
        count = capped_count(Generation.objects.all(), cap=1000)
    assert count == panel.TabCount(50_000, exact=False, estimated=True)
    assert queries.captured_queries == []
    monkeypatch.setattr(panel.counts, "planner_estimate", lambda queryset: 9_000)  # near: count
    assert capped_count(Generation.objects.all(), cap=1000) == panel.TabCount(1, exact=True)


@pytest.mark.django_db
def test_tabs_the_estimates_do_not_settle_are_counted_in_one_statement(make_generation):
    _mixed(make_generation)  # 9 sora (3 failed, 3 queued, 3 pending), 1 runway
    sora = Generation.objects.filter(provider="sora").order_by()
    tabs = {
        "all": (sora, None),  # no estimate (SQLite): counted
        "active": (sora.filter(status__in=sorted(ACTIVE)), 5),  # counted, above the cap
        "failed": (sora.filter(status="failed"), 2),  # counted, within the cap
        "completed": (sora.filter(status="completed"), 100),  # 100 > 4 * 10: estimated
    }
    with CaptureQueriesContext(connection) as queries:
        counts = panel.capped_counts(tabs, cap=4)
    assert len(queries.captured_queries) == 1
    assert counts == {
        "all": panel.TabCount(4, exact=False),
        "active": panel.TabCount(5, exact=False, estimated=True),
        "failed": panel.TabCount(3, exact=True),
        "completed": panel.TabCount(100, exact=False, estimated=True),
    }
    assert list(counts) == list(tabs)


@pytest.mark.django_db
def test_limited_counts_match_one_count_each(make_generation):
    _mixed(make_generation)
    querysets = [
        Generation.objects.order_by(),
        Generation.objects.filter(status="failed").order_by(),
        Generation.objects.filter(provider="luma").order_by(),
        Generation.objects.filter(prompt__icontains="ELSEWHERE").order_by(),
    ]
    expected = [min(queryset.count(), 7) for queryset in querysets]
    assert expected == [7, 3, 0, 1]
    with CaptureQueriesContext(connection) as queries:
        assert panel.counts._limited_counts(querysets, 7) == expected
    assert len(queries.captured_queries) == 1
    assert panel.counts._limited_counts([], 7) == []


@pytest.mark.django_db
def test_planner_estimates_of_every_tab_in_one_explain(make_generation):
    for _ in range(4):
        make_generation()
    lifecycle.mark_failed(make_generation(), "boom")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE genstatus_generation")
    querysets = [
        Generation.objects.all(),
        Generation.objects.filter(status__in=["pending", "queued", "processing"]),
        Generation.objects.filter(status="failed"),
        Generation.objects.filter(status="completed", provider="sora"),
    ]
    with CaptureQueriesContext(connection) as queries:
        estimates = panel.planner_estimates(querysets)
    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) == 1
        assert estimates == [panel.planner_estimate(q) for q in querysets]
        assert estimates[0] == 5
    else:
        assert estimates == [None] * 4
        assert queries.captured_queries == []
    assert panel.planner_estimates([]) == []


@pytest.mark.django_db
def test_keyset_page_limits_before_joins_with_the_same_rows(make_generation):
    for index in range(7):
        make_generation(prompt=f"lighthouse {index}")
    make_generation(prompt="something else")
    queryset = Generation.objects.filter(prompt__icontains="LIGHTHOUSE").select_related(
        "owner", "asset", "retried_as"
    )
    for after in (None, panel.keyset_page(queryset, per_page=3).next_cursor):
        plain = panel.keyset_page(queryset, after=after, per_page=3)
        narrowed = panel.keyset_page(queryset, after=after, per_page=3, limit_before_joins=True)
        assert [g.pk for g in narrowed.rows] == [g.pk for g in plain.rows]
        assert (narrowed.next_cursor, narrowed.previous_cursor) == (
            plain.next_cursor,
            plain.previous_cursor,
        )
        back = panel.keyset_page(
            queryset, before=plain.next_cursor, per_page=3, limit_before_joins=True
        )
        assert [g.pk for g in back.rows] == [
            g.pk for g in panel.keyset_page(queryset, before=plain.next_cursor, per_page=3).rows
        ]
    assert len(plain.rows) == 3


def _mixed(make_generation, count: int = 9) -> None:
    for index in range(count):
        generation = make_generation(provider="sora", prompt=f"zeppelin {index}")
        if index % 3 == 1:
            lifecycle.mark_failed(generation, "boom")
        elif index % 3 == 2:
            lifecycle.mark_queued(generation)
    make_generation(provider="runway", prompt="zeppelin elsewhere")


@pytest.mark.django_db
@pytest.mark.parametrize("statuses", [None, frozenset({"failed"}), ACTIVE, frozenset()])
def test_page_from_matches_is_the_keyset_page(make_generation, statuses):
    _mixed(make_generation)
    queryset = Generation.objects.filter(provider="sora", prompt__icontains="ZEPPELIN")
    result = panel.count_tabs(queryset, filtered=True, searched=True)
    assert result.matches is not None
    assert len(result.matches.rows) == 9
    tab = queryset if statuses is None else queryset.filter(status__in=sorted(statuses))
    for per_page in (2, 3, 20):
        expected = panel.keyset_page(tab, per_page=per_page)
        page = panel.page_from_matches(tab, result.matches, statuses, per_page=per_page)
        assert [g.pk for g in page.rows] == [g.pk for g in expected.rows]
        assert page.next_cursor == expected.next_cursor
        assert (page.previous_cursor, page.is_first) == (None, True)


@pytest.mark.django_db
def test_many_matches_keep_no_matches(make_generation, monkeypatch):
    monkeypatch.setattr(panel.counts, "COUNT_CAP", 2)
    _mixed(make_generation)
    result = panel.count_tabs(Generation.objects.filter(provider="sora"), filtered=True)
    assert result.matches is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_migration_0003_swaps_the_partial_indexes_both_ways_on_postgres():
    from django.core.management import call_command

    def definitions():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                "('gs_gen_active_newest', 'gs_gen_failed_newest', "
                "'gs_gen_active_newest_new', 'gs_gen_failed_newest_new')"
            )
            return dict(cursor.fetchall())

    covered = definitions()
    assert set(covered) == {"gs_gen_active_newest", "gs_gen_failed_newest"}
    assert all("INCLUDE (provider, operation_type)" in d for d in covered.values())
    try:
        call_command("migrate", "genstatus", "0002", verbosity=0)
        plain = definitions()
        assert set(plain) == set(covered)
        assert not any("INCLUDE" in d for d in plain.values())
    finally:
        call_command("migrate", "genstatus", verbosity=0)
    assert definitions() == covered


@pytest.mark.django_db
def test_page_from_matches_gives_up_when_a_row_changed_since_the_count(make_generation):
    _mixed(make_generation)
    queryset = Generation.objects.filter(provider="sora")
    result = panel.count_tabs(queryset, filtered=True)
    newest_failed = queryset.filter(status="failed").order_by("-created_at", "-id").first()
    lifecycle.retry(newest_failed)  # a new row, the counted ones unchanged: still exact
    page = panel.page_from_matches(queryset, result.matches, frozenset({"failed"}), per_page=2)
    assert page is not None
    Generation.objects.filter(pk=newest_failed.pk).delete()  # a counted row is gone
    failed = queryset.filter(status="failed")
    assert panel.page_from_matches(failed, result.matches, frozenset({"failed"})) is None


@pytest.mark.django_db
def test_page_from_matches_rechecks_the_status_only(make_generation):
    """The rows are looked up by id in the unfiltered queryset: the filters already held
    for those ids, but a row that left the tab since the count sends the page back to
    ``keyset_page``."""
    _mixed(make_generation)
    searched = Generation.objects.filter(prompt__icontains="zeppelin", provider="sora")
    result = panel.count_tabs(searched, filtered=True, searched=True)
    failed = frozenset({"failed"})
    page = panel.page_from_matches(Generation.objects.all(), result.matches, failed)
    assert [g.pk for g in page.rows] == [
        g.pk for g in panel.keyset_page(searched.filter(status="failed")).rows
    ]
    newest_failed = page.rows[0]
    Generation.objects.filter(pk=newest_failed.pk).update(status="completed")
    assert panel.page_from_matches(Generation.objects.all(), result.matches, failed) is None
    # the "All" tab has no status to re-check: the same rows, the changed one included
    page = panel.page_from_matches(Generation.objects.all(), result.matches, None)
    assert newest_failed.pk in [g.pk for g in page.rows]


def test_count_title(settings):
    assert panel.count_title(panel.TabCount(12, exact=True)) == ""
    assert panel.count_title(panel.TabCount(1000, exact=False)) == "More than 1000"
    settings.USE_THOUSAND_SEPARATOR = True  # as {% blocktranslate %} printed it
    assert panel.count_title(panel.TabCount(1000, exact=False)) == "More than 1,000"
    estimated = panel.TabCount(5000, exact=False, estimated=True)
    assert panel.count_title(estimated) == "Estimated by the database planner"


@pytest.mark.postgres
@pytest.mark.django_db
def test_explain_of_a_limited_query_estimates_every_match(make_generation):
    for _ in range(30):
        make_generation(provider="sora")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE genstatus_generation")
    limited = Generation.objects.order_by("-created_at", "-id").values_list("pk", "status")[:5]
    assert panel.counts._explain_rows(connection, *limited.query.sql_with_params()) == 30
    # a scalar subquery in the filter is an InitPlan, listed before the Limit's input
    from django.contrib.auth import get_user_model
    from django.db.models import Subquery

    owner = Subquery(get_user_model().objects.filter(username="owner").values("pk")[:1])
    scoped = limited.model.objects.filter(owner_id=owner).order_by("-created_at", "-id")
    sql, params = scoped.values_list("pk", "status")[:5].query.sql_with_params()
    assert panel.counts._explain_rows(connection, sql, params) == 30


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_filter_with_many_rows_asks_one_explain_for_every_tab(make_generation, monkeypatch):
    for _ in range(30):
        make_generation(provider="sora")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE genstatus_generation")
    monkeypatch.setattr(panel.counts, "COUNT_CAP", 2)
    monkeypatch.setattr(panel.counts, "ESTIMATE_FACTOR", 1)
    with CaptureQueriesContext(connection) as queries:
        counts = tab_counts(Generation.objects.filter(provider="sora"), filtered=True)
    explains = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert len(explains) == 1
    assert explains[0].count("UNION ALL") == len(TABS) - 1  # every tab, one EXPLAIN
    assert counts["all"] == panel.TabCount(30, exact=False, estimated=True)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 25, 3, 4, 5, 678_901, tzinfo=UTC),
        datetime(2026, 1, 2, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1999, 12, 31, 0, 0, tzinfo=timezone(timedelta(hours=14))),
    ],
)
def test_timestamp_is_iso_and_readable_utc(value):
    assert panel.timestamp(value) == {
        "iso": value.isoformat(),
        "text": value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }

"""What keeps the pages fast on a long history, and that each shortcut gives the same answers.

- "Number contains" reads a trigram index on PostgreSQL (monitoring.filters.SearchText) and still
  matches exactly what it matched before;
- the Calls page counts from the hourly rollup when it keeps the filters, else a long period with
  PostgreSQL's estimate ("about N calls"), and a page
  beyond the real end shows the last page;
- the dashboard's figures come from one grouped query, peak concurrency from a query, and
  "not called back" from a query bounded by the period: each gives what the plain definition
  gives, on random calls;
- the calls table prints values the view prepared: the same markup as before.
"""

import datetime as dt
import heapq
import random
import re
from html import escape
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring import kpis
from monitoring.filters import filter_calls
from monitoring.models import MISSED_STATUSES, Call, CallStatus, Direction
from monitoring.numbers import national_number
from monitoring.periods import days_period
from monitoring.tests.factories import DAY, day_query, local, make_call, matching
from monitoring.views import calls as calls_views

URL = reverse("call_list")
POSTGRES = connection.vendor == "postgresql"


def shown_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-call="(\d+)">', response.content.decode())]


def explain(queryset_or_sql, params=()) -> str:
    if isinstance(queryset_or_sql, str):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + queryset_or_sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
    return queryset_or_sql.explain()


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE monitoring_call")


def no_seq_scan() -> None:
    """For the rest of the test's transaction: a sequential scan only if nothing else can work."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


# -- "Number contains" ----------------------------------------------------------------------------


def test_a_text_across_two_numbers_is_not_a_match(pbx):
    # The indexed text joins the numbers with "|": "1|2" is in it, yet in no number.
    call = make_call(pbx, from_number="111", from_number_normalized="111", to_number="222",
                     to_number_normalized="222", extension="", external_number="")  # fmt: skip
    assert matching(day_query(number="1|2")) == []
    assert matching(day_query(number="11")) == [call.pk]
    assert matching(day_query(number="22")) == [call.pk]


def test_the_number_search_matches_letters_in_any_case(pbx):
    call = make_call(pbx, from_number="sip:Anvar@pbx", from_number_normalized="")
    make_call(pbx)
    assert matching(day_query(number="anvar")) == [call.pk]
    assert matching(day_query(number="ANVAR@")) == [call.pk]


@pytest.mark.postgres
def test_the_number_search_reads_the_trigram_index(pbx):
    make_call(pbx)
    make_call(pbx, from_number="+998935554433", external_number="935554433")
    analyze()
    no_seq_scan()
    plan = explain(filter_calls({"number": "90 123"}).order_by().values("pk"))
    assert "call_number_search_trgm" in plan
    assert "Seq Scan on monitoring_call" not in plan


# -- Counting -------------------------------------------------------------------------------------


def thirty_calls(pbx) -> list[Call]:
    return [make_call(pbx, local(DAY, 10, minute)) for minute in range(30)]


def test_a_period_the_rollup_keeps_is_counted_exactly_from_it(admin_client, pbx, monkeypatch):
    monkeypatch.setattr(calls_views, "ESTIMATE_ABOVE", 5)
    monkeypatch.setattr(calls_views, "estimated_count", lambda calls: 1000)
    thirty_calls(pbx)
    make_call(pbx, local(DAY, 11), status=CallStatus.BUSY)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(URL, day_query(per_page="25", status=CallStatus.ANSWERED))
    assert not response.context["page"].paginator.estimated
    assert "<strong>30</strong> calls" in response.content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if '"monitoring_call"' in sql]


@pytest.mark.postgres
def test_a_long_period_shows_the_planners_estimate_without_counting(admin_client, pbx, monkeypatch):
    monkeypatch.setattr(calls_views, "ESTIMATE_ABOVE", 5)
    monkeypatch.setattr(calls_views, "kept_count", lambda filters, visible: None)
    thirty_calls(pbx)
    analyze()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(URL, day_query(per_page="25"))
    paginator = response.context["page"].paginator
    assert paginator.estimated
    estimate = calls_views.estimated_count(filter_calls(response.context["form"].filters))
    assert paginator.count == estimate > 5
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert f"about <strong>{estimate}</strong> calls" in response.content.decode()


def test_below_the_threshold_the_count_is_exact(admin_client, pbx, monkeypatch):
    monkeypatch.setattr(calls_views, "estimated_count", lambda calls: 40)  # not above 10,000
    monkeypatch.setattr(calls_views, "kept_count", lambda filters, visible: None)
    thirty_calls(pbx)
    response = admin_client.get(URL, day_query(per_page="25"))
    assert not response.context["page"].paginator.estimated
    assert "<strong>30</strong> calls" in response.content.decode()


@pytest.mark.postgres
def test_nothing_to_see_is_estimated_as_nothing_without_asking_the_planner(pbx):
    thirty_calls(pbx)
    with CaptureQueriesContext(connection) as queries:
        assert calls_views.estimated_count(Call.objects.none()) == 0
    assert len(queries) == 0


def test_other_databases_count_exactly(pbx):
    if POSTGRES:
        pytest.skip("PostgreSQL estimates")
    assert calls_views.estimated_count(Call.objects.all()) is None


@pytest.fixture
def estimate(monkeypatch):
    """Make the planner's estimate of every period `value` (as for filters the hourly rollup
    does not count, a number or a duration)."""

    def set_estimate(value):
        monkeypatch.setattr(calls_views, "ESTIMATE_ABOVE", 5)
        monkeypatch.setattr(calls_views, "kept_count", lambda filters, visible: None)
        monkeypatch.setattr(calls_views, "estimated_count", lambda calls: value)

    return set_estimate


@pytest.mark.parametrize("page", ["30", "40", "999"])
def test_a_page_past_the_real_end_shows_the_last_page(admin_client, pbx, estimate, page):
    calls = thirty_calls(pbx)
    estimate(1000)  # 40 pages of 25, where there are 2
    response = admin_client.get(URL, day_query(per_page="25", page=page))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == 2
    assert shown_ids(response) == [call.pk for call in reversed(calls[:5])]
    assert not page.paginator.estimated
    assert "<strong>30</strong> calls" in response.content.decode()


def test_the_last_page_makes_the_count_exact(admin_client, pbx, estimate):
    thirty_calls(pbx)
    estimate(1000)
    response = admin_client.get(URL, day_query(per_page="25", page="2"))
    assert response.context["page"].paginator.count == 30
    assert 'rel="next"' not in response.content.decode()


def test_an_estimate_too_low_still_offers_the_next_page(admin_client, pbx, estimate):
    calls = thirty_calls(pbx)
    estimate(6)  # one page by the estimate, where there are two
    response = admin_client.get(URL, day_query(per_page="25"))
    page = response.context["page"]
    assert page.paginator.estimated and page.has_next()
    assert 'rel="next"' in response.content.decode()
    response = admin_client.get(URL, day_query(per_page="25", page="2"))
    assert shown_ids(response) == [call.pk for call in reversed(calls[:5])]


def test_a_first_page_with_everything_on_it_is_counted_exactly(admin_client, pbx, estimate):
    thirty_calls(pbx)
    estimate(1000)
    response = admin_client.get(URL, day_query(per_page="50"))
    assert not response.context["page"].paginator.estimated
    assert "<strong>30</strong> calls" in response.content.decode()


@pytest.mark.parametrize(
    ("count", "shown"),
    [(12, 12), (99, 99), (100, 100), (10_049, 10_000), (12_345, 12_000), (731_412, 730_000)],
)
def test_an_estimate_is_shown_rounded(count, shown):
    assert calls_views.about(count) == shown


# -- The dashboard's figures ----------------------------------------------------------------------

EXTENSIONS = ["101", "102", "103", ""]
NUMBERS = [f"90{n:07d}" for n in range(60)] + [""]
START = dt.datetime(2026, 3, 9, 19, 0, tzinfo=dt.UTC)  # DAY, 00:00 in Tashkent


def random_calls(pbx, count=300, seed=1, days=3):
    """Calls over `days` days from DAY - 1 on, with many ties: the same second, the same number,
    a call ending exactly when another starts."""
    rnd = random.Random(seed)
    calls = []
    for n in range(count):
        started = START + dt.timedelta(days=rnd.randrange(-1, days - 1),
                                       seconds=rnd.randrange(0, 86400, 30))  # fmt: skip
        status = rnd.choice([*MISSED_STATUSES, CallStatus.ANSWERED, CallStatus.ANSWERED,
                             CallStatus.BARRED, CallStatus.UNKNOWN])  # fmt: skip
        talk = rnd.choice([0, 30, 60, 90]) if status == CallStatus.ANSWERED else 0
        wait = rnd.choice([0, 5, 20, 21, 60])
        calls.append(
            Call(
                pbx=pbx,
                key=f"r{seed}-{n}",
                started_at=started,
                direction=rnd.choice(list(Direction.values)),
                status=status,
                extension=rnd.choice(EXTENSIONS),
                external_number=rnd.choice(NUMBERS),
                from_name=rnd.choice(["", "Anvar"]),
                total_seconds=talk + wait,
                talk_seconds=talk,
                wait_seconds=wait,
                raw={},
            )
        )
    Call.objects.bulk_create(calls)
    analyze()
    return list(Call.objects.order_by("id"))


PERIODS = [days_period(DAY, DAY), days_period(DAY - dt.timedelta(days=1), DAY),
           days_period(DAY + dt.timedelta(days=5), DAY + dt.timedelta(days=5))]  # fmt: skip


@pytest.mark.parametrize("period", PERIODS, ids=["day", "two days", "empty"])
@pytest.mark.parametrize("sort", ["-calls", "calls", "extension", "-talk", "average_talk"])
def test_the_dashboard_figures_are_the_three_queries(pbx, period, sort):
    random_calls(pbx)
    for calls in (None, Call.objects.filter(extension__in=["101", "103"])):
        figures = kpis.dashboard_figures(period, calls, sort)
        assert figures[0] == kpis.summary(period, calls)
        assert figures[1] == kpis.activity(period, calls)
        assert figures[2] == kpis.per_extension(period, calls, sort)


def reference_peak(calls: list[Call], period) -> tuple:
    """The sweep as it always ran, in Python."""
    ends, peak, peak_at = [], 0, None
    inside = [c for c in calls if period.start <= c.started_at < period.end and c.total_seconds]
    for call in sorted(inside, key=lambda c: c.started_at):
        while ends and ends[0] <= call.started_at:
            heapq.heappop(ends)
        heapq.heappush(ends, call.started_at + dt.timedelta(seconds=call.total_seconds))
        if len(ends) > peak:
            peak, peak_at = len(ends), call.started_at
    return peak, peak_at


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("period", PERIODS, ids=["day", "two days", "empty"])
def test_peak_concurrency_is_the_sweep(pbx, seed, period):
    calls = random_calls(pbx, seed=seed)
    assert kpis.peak_concurrency(period) == reference_peak(calls, period)


def test_a_call_ending_as_another_starts_does_not_overlap_it(pbx):
    make_call(pbx, local(DAY, 10), total_seconds=60)
    make_call(pbx, local(DAY, 10, 1), total_seconds=60)
    assert kpis.peak_concurrency(days_period(DAY, DAY)) == (1, local(DAY, 10))
    make_call(pbx, local(DAY, 10, 1), total_seconds=30)
    assert kpis.peak_concurrency(days_period(DAY, DAY)) == (2, local(DAY, 10, 1))


def reference_missed(calls: list[Call], period, visible) -> list[tuple]:
    """ "Missed, not called back" by its definition, over every call."""
    rows = []
    for call in sorted(calls, key=lambda c: (c.started_at, c.id), reverse=True):
        if not (period.start <= call.started_at < period.end and visible(call)):
            continue
        if call.direction != Direction.INBOUND or call.status not in MISSED_STATUSES:
            continue
        if not call.external_number:
            continue
        same = [o for o in calls if o.external_number == call.external_number]
        later_inbound = any(
            o.direction == Direction.INBOUND
            and o.started_at < period.end
            and (
                o.started_at > call.started_at
                or (o.started_at == call.started_at and o.id > call.id)
            )
            for o in same
        )
        answered_since = any(
            o.status == CallStatus.ANSWERED
            and o.direction in (Direction.INBOUND, Direction.OUTBOUND)
            and o.started_at >= call.started_at
            and o.id != call.id
            for o in same
        )
        if not later_inbound and not answered_since:
            rows.append((call.external_number, call.from_name, call.started_at))
    result, seen = [], set()
    for number, name, started_at in rows:
        if number not in seen:
            seen.add(number)
            result.append(kpis.MissedNumber(number, name, started_at))
    return result


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("period", PERIODS[:2], ids=["day", "two days"])
def test_missed_not_called_back_is_its_definition(pbx, seed, period):
    calls = random_calls(pbx, seed=seed)
    expected = reference_missed(calls, period, lambda call: True)
    assert expected  # the random calls do have some
    assert kpis.missed_not_called_back(period) == expected
    mine = Call.objects.filter(extension="101")
    expected = reference_missed(calls, period, lambda call: call.extension == "101")
    assert kpis.missed_not_called_back(period, mine) == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_the_dashboard_figures_read_the_covering_index(pbx):
    random_calls(pbx)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE monitoring_call")  # index-only scans need the visibility map
        cursor.execute("SET enable_seqscan = off")
    try:
        with CaptureQueriesContext(connection) as queries:
            kpis.dashboard_figures_from_calls(days_period(DAY, DAY), None)
            kpis.peak_concurrency(days_period(DAY, DAY))
        for query in queries.captured_queries:
            plan = explain(query["sql"])
            assert "Index Only Scan using call_started" in plan, plan
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")


# -- The calls table ------------------------------------------------------------------------------


def test_the_table_prints_what_the_template_used_to_compute(admin_client, pbx):
    calls = [
        make_call(pbx, local(DAY, 9), from_name="Лола <&>", status_code=None),
        make_call(
            pbx,
            local(DAY, 10),
            direction=Direction.OUTBOUND,
            from_number="101",
            to_number="998935554433",
            extension="101",
            status=CallStatus.NO_ANSWER,
            total_seconds=3725,
            talk_seconds=0,
            wait_seconds=3725,
        ),
        make_call(pbx, local(DAY, 11), from_number="", to_number="anonymous", extension=""),
    ]
    html = admin_client.get(URL, day_query()).content.decode()
    for call in calls:
        row = re.search(rf'<tr data-call="{call.pk}">.*?</tr>', html, re.S).group(0)
        for side in ("from", "to"):
            number = getattr(call, f"{side}_number")
            link = None
            if number and number == call.extension:
                link = f"{URL}?extension={number}&period=month"
            elif national_number(number):
                link = reverse("number_history", args=[national_number(number)])
            expected = render_to_string(
                "monitoring/partials/calls_number.html", {"number": number, "link": link}
            ).split("#}", 1)[-1]
            assert expected.strip() in row
        # The link carries the list's filters, for the detail's way back.
        detail = (
            reverse("call_detail", args=[call.pk])
            + "?"
            + urlencode({"back": urlencode(day_query())})
        )
        started = call.started_at.astimezone(local(DAY, 0).tzinfo)
        link = f'<a href="{escape(detail)}" title="Call details">{started:%Y-%m-%d %H:%M:%S}</a>'
        assert link in row
        extension = call.extension or "—"
        assert f'<td class="secondary">{extension}</td>' in row
        direction = call.get_direction_display()
        assert f'<span class="dir dir-{call.direction}">{direction}</span>' in row
        title = f"Kerio {call.status_code}" if call.status_code is not None else ""
        assert (
            f'<span class="status status-{call.status}" title="{title}">'
            f"{call.get_status_display()}</span>"
        ) in row
        assert '<td class="secondary">Main</td>' in row
    assert "Лола &lt;&amp;&gt;" in html
    assert '<td class="num secondary">1:02:05</td>' in html

"""Queues and IVR: each service number's offered, answered and abandoned calls, the wait before
abandoning by bucket, the average wait to answer and the service level — against plain counts
over the calls each test makes, in both record shapes (one record per caller's call, one per
leg), at Tashkent's day edges, per PBX; the page and who may open it."""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.analytics.queues import WAIT_BUCKETS, bucket_of, queue_report
from monitoring.models import CallStatus, Direction
from monitoring.periods import days_period
from monitoring.sync import sync_pbx
from monitoring.tests.factories import make_call, make_pbx
from providers.models import DirectoryEntry

UTC = dt.UTC
DAY = dt.date(2026, 3, 10)  # a Tuesday; its local day is [09 19:00 UTC, 10 19:00 UTC)
PERIOD = days_period(DAY, DAY)
SERVICE_LEVEL = 20  # settings.SERVICE_LEVEL_SECONDS in the tests' settings
RING = 15  # how long the queue rings each agent, in the per-leg shape below

# The buckets of the page, written out: (wait in seconds, bucket index).
BUCKET_EDGES = [
    (0, 0), (9, 0), (10, 1), (29, 1), (30, 2), (59, 2), (60, 3), (119, 3), (120, 4),
    (299, 4), (300, 5), (3600, 5),
]  # fmt: skip


@dataclass
class QueueCall:
    """One caller's call to a service number, as it happened."""

    at: dt.datetime
    caller: str
    number: str
    outcome: str  # answered, abandoned, voicemail
    wait: int
    talk: int = 0


def utc(day, hour, minute=0, second=0):
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


# Around the local day's edges and the buckets' and service level's edges.
CALLS = [
    QueueCall(utc(9, 18, 59, 59), "901000001", "800", "answered", 5, 60),  # the day before
    QueueCall(utc(9, 19, 0, 0), "901000002", "800", "answered", 20, 60),  # 00:00 local, in SL
    QueueCall(utc(10, 4, 0), "901000003", "800", "answered", 21, 30),  # just out of SL
    QueueCall(utc(10, 4, 1), "901000004", "800", "answered", 47, 90),  # after three agents
    QueueCall(utc(10, 4, 2), "901000005", "800", "abandoned", 0),
    QueueCall(utc(10, 4, 3), "901000006", "800", "abandoned", 9),
    QueueCall(utc(10, 4, 4), "901000007", "800", "abandoned", 10),
    QueueCall(utc(10, 4, 5), "901000008", "800", "abandoned", 29),
    QueueCall(utc(10, 4, 6), "901000009", "800", "abandoned", 30),
    QueueCall(utc(10, 4, 7), "901000010", "800", "abandoned", 60),
    QueueCall(utc(10, 4, 8), "901000011", "800", "abandoned", 120),
    QueueCall(utc(10, 4, 9), "901000012", "800", "abandoned", 299),
    QueueCall(utc(10, 4, 10), "901000013", "800", "abandoned", 300),
    QueueCall(utc(10, 4, 11), "901000014", "800", "voicemail", 90, 25),
    QueueCall(utc(10, 5, 0), "901000015", "801", "answered", 3, 40),
    QueueCall(utc(10, 5, 1), "901000016", "801", "abandoned", 45),
    QueueCall(utc(10, 6, 0), "901000017", "700", "answered", 0, 30),  # the IVR answers
    QueueCall(utc(10, 6, 1), "901000018", "700", "abandoned", 2),
    QueueCall(utc(10, 18, 59, 59), "901000019", "800", "answered", 12, 20),  # 23:59:59 local
    QueueCall(utc(10, 19, 0, 0), "901000020", "800", "abandoned", 40),  # the next day
]

STATUS = {
    "answered": CallStatus.ANSWERED,
    "abandoned": CallStatus.NO_ANSWER,
    "voicemail": CallStatus.VOICEMAIL,
}


def records_of(call: QueueCall, shape: str) -> list[dict]:
    """The call's history records: one, or one per agent the queue rang (RING seconds each,
    until one answers or the caller leaves), each with the call's start, caller and number."""
    last = {"status": STATUS[call.outcome], "total": call.wait + call.talk, "talk": call.talk}
    if shape == "call" or call.number == "700":
        return [last]
    rang = [
        {"status": CallStatus.NO_ANSWER, "total": ended, "talk": 0}
        for ended in range(RING, call.wait, RING)
    ]
    return [*rang, last]


def store(pbx, calls, shape="call"):
    for call in calls:
        for record in records_of(call, shape):
            make_call(
                pbx,
                call.at,
                from_number=call.caller,
                external_number=call.caller,
                to_number=call.number,
                extension=call.number,
                status=record["status"],
                total_seconds=record["total"],
                talk_seconds=record["talk"],
                wait_seconds=record["total"] - record["talk"],
            )


def directory(pbx, entries):
    for number, kind in entries:
        DirectoryEntry.objects.create(
            pbx=pbx, number=number, name=f"Service {number}", kind=kind, seen_at=timezone.now()
        )


SERVICES = [
    ("800", DirectoryEntry.Kind.QUEUE),
    ("801", DirectoryEntry.Kind.QUEUE),
    ("700", DirectoryEntry.Kind.IVR),
    ("799", DirectoryEntry.Kind.VOICEMAIL),
    ("900", DirectoryEntry.Kind.RING_GROUP),
    ("101", DirectoryEntry.Kind.LINE),
    ("600", DirectoryEntry.Kind.CONFERENCE),
]


@pytest.fixture
def services(pbx):
    directory(pbx, SERVICES)
    return pbx


def plain(calls, number):
    """The expected figures of one number, counted the plain way over the calls of the day."""
    start = dt.datetime(2026, 3, 10, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    mine = [c for c in calls if c.number == number and start <= c.at < start + dt.timedelta(1)]
    answered = [c for c in mine if c.outcome == "answered"]
    waits = [0] * 6
    for call in mine:
        if call.outcome != "answered":
            waits[_bucket_by_bounds(call.wait)] += 1
    return {
        "offered": len(mine),
        "answered": len(answered),
        "abandoned": len(mine) - len(answered),
        "within": sum(c.wait <= SERVICE_LEVEL for c in answered),
        "wait_total": sum(c.wait for c in answered),
        "waits": waits,
    }


def _bucket_by_bounds(wait):
    bounds = [10, 30, 60, 120, 300]
    return sum(wait >= bound for bound in bounds)


def figures_of(report, pbx_name, number):
    group = next(g for g in report.pbxes if g.pbx_name == pbx_name)
    return next(s for s in group.services if s.number == number).figures


def as_dict(figures):
    return {
        "offered": figures.offered,
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "within": figures.within_service_level,
        "wait_total": figures.answer_wait_total,
        "waits": figures.abandon_waits,
    }


# -- the figures -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["call", "legs"])
def test_each_service_numbers_figures_equal_a_plain_count(services, shape):
    store(services, CALLS, shape)

    report = queue_report(PERIOD)

    for number in ("800", "801", "700"):
        assert as_dict(figures_of(report, "Main", number)) == plain(CALLS, number), number
    queue = figures_of(report, "Main", "800")
    # Sixteen calls to 800, the first and the last outside the local day; voicemail is not an
    # answer.
    assert (queue.offered, queue.answered, queue.abandoned) == (14, 4, 10)
    assert queue.average_wait == pytest.approx((20 + 21 + 47 + 12) / 4)
    assert queue.service_level == pytest.approx(100 * 2 / 14)
    assert queue.abandon_rate == pytest.approx(100 * 10 / 14)


def test_the_per_leg_shape_has_more_records_and_the_same_figures(pbx):
    directory(pbx, SERVICES)
    other = make_pbx("Branch")
    directory(other, SERVICES)
    store(pbx, CALLS, "call")
    store(other, CALLS, "legs")
    assert other.calls.count() > pbx.calls.count()

    report = queue_report(PERIOD)

    main, branch = report.pbxes
    assert [as_dict(s.figures) for s in main.services] == [
        as_dict(s.figures) for s in branch.services
    ]


def test_an_answered_leg_after_unanswered_ones_is_one_answered_call(services):
    # Three agents rang 15 s each without answering; the fourth answered after 50 s.
    call = QueueCall(utc(10, 8, 0), "935550000", "800", "answered", 50, 70)
    store(services, [call], "legs")
    assert services.calls.count() == 4

    queue = figures_of(queue_report(PERIOD), "Main", "800")

    assert (queue.offered, queue.answered, queue.abandoned) == (1, 1, 0)
    assert queue.answer_wait_total == 50


def test_an_abandoned_call_counts_its_longest_leg(services):
    call = QueueCall(utc(10, 8, 0), "935550000", "800", "abandoned", 70)
    store(services, [call], "legs")  # legs ending at 15, 30, 45, 60 and 70 s

    queue = figures_of(queue_report(PERIOD), "Main", "800")

    assert (queue.offered, queue.abandoned) == (1, 1)
    assert queue.abandon_waits == [0, 0, 0, 1, 0, 0]


def test_legs_addressed_to_the_agents_are_the_agents_calls(services):
    # The queue's own record, and one record per agent it rang with the agent as TO.
    at = utc(10, 8, 0)
    store(services, [QueueCall(at, "935550000", "800", "answered", 31, 50)])
    for agent, status, total, talk in [("101", "no_answer", 15, 0), ("102", "answered", 66, 50)]:
        make_call(services, at, external_number="935550000", to_number=agent, extension=agent,
                  status=status, total_seconds=total, talk_seconds=talk,
                  wait_seconds=total - talk)  # fmt: skip

    report = queue_report(PERIOD)

    queue = figures_of(report, "Main", "800")
    assert (queue.offered, queue.answered, queue.answer_wait_total) == (1, 1, 31)
    assert report.total.offered == 1


@pytest.mark.parametrize(("wait", "bucket"), BUCKET_EDGES)
def test_a_wait_falls_in_the_bucket_from_its_lower_bound(services, wait, bucket):
    store(services, [QueueCall(utc(10, 8, 0), "935550000", "801", "abandoned", wait)])
    expected = [0] * len(WAIT_BUCKETS)
    expected[bucket] = 1

    assert bucket_of(wait) == bucket
    assert figures_of(queue_report(PERIOD), "Main", "801").abandon_waits == expected


def test_only_inbound_calls_that_reached_the_number_are_offered(services):
    at = utc(10, 8, 0)
    # Counted: an inbound call to the queue.
    make_call(services, at, to_number="800", extension="800", wait_seconds=5, total_seconds=65)
    # Not counted: refused by the PBX; the queue ringing an agent (internal); an outbound call
    # that happens to have the queue as its extension; an inbound call to an agent.
    make_call(services, at, extension="800", to_number="800", status=CallStatus.BARRED,
              external_number="901112233")  # fmt: skip
    make_call(services, at, direction=Direction.INTERNAL, extension="800", from_number="800",
              to_number="101", external_number="")  # fmt: skip
    make_call(services, at, direction=Direction.OUTBOUND, extension="800")
    make_call(services, at, extension="101", to_number="101")

    report = queue_report(PERIOD)

    assert figures_of(report, "Main", "800").offered == 1
    assert report.total.offered == 1


def test_every_service_number_is_listed_without_the_lines_and_conferences(services):
    report = queue_report(PERIOD)

    (group,) = report.pbxes
    # Queues first, then ring groups, the IVR, voicemail.
    assert [(s.number, s.kind) for s in group.services] == [
        ("800", DirectoryEntry.Kind.QUEUE),
        ("801", DirectoryEntry.Kind.QUEUE),
        ("900", DirectoryEntry.Kind.RING_GROUP),
        ("700", DirectoryEntry.Kind.IVR),
        ("799", DirectoryEntry.Kind.VOICEMAIL),
    ]
    assert all(s.figures.offered == 0 for s in group.services)
    assert group.services[0].figures.service_level is None
    assert group.services[0].figures.average_wait is None


def test_each_pbx_counts_its_own_calls_to_its_own_numbers(pbx):
    branch = make_pbx("Branch")
    directory(pbx, [("800", DirectoryEntry.Kind.QUEUE)])
    # On the branch 800 is a person's line; its queue is 850.
    directory(branch, [("800", DirectoryEntry.Kind.LINE), ("850", DirectoryEntry.Kind.QUEUE)])
    main_calls = [c for c in CALLS if c.number == "800"]
    branch_calls = [
        QueueCall(utc(10, 9, n), f"93000000{n}", "850", "abandoned" if n % 2 else "answered", 4)
        for n in range(5)
    ]
    store(pbx, main_calls)
    store(branch, branch_calls)
    store(branch, [QueueCall(utc(10, 9, 30), "930000009", "800", "answered", 3, 10)])

    report = queue_report(PERIOD)

    assert [g.pbx_name for g in report.pbxes] == ["Branch", "Main"]
    assert as_dict(figures_of(report, "Main", "800")) == plain(main_calls, "800")
    assert as_dict(figures_of(report, "Branch", "850")) == plain(branch_calls, "850")
    branch_total = report.pbxes[0].total
    assert (branch_total.offered, branch_total.answered) == (5, 3)
    assert report.total.offered == plain(main_calls, "800")["offered"] + 5
    assert report.total.answered == plain(main_calls, "800")["answered"] + 3


def test_a_call_at_the_local_days_edges(services):
    edges = [c for c in CALLS if c.at.hour in (18, 19)]
    store(services, edges)

    queue = figures_of(queue_report(PERIOD), "Main", "800")
    previous = figures_of(queue_report(days_period(DAY - dt.timedelta(1), DAY - dt.timedelta(1))),
                          "Main", "800")  # fmt: skip

    # 19:00:00 UTC on the 9th and 18:59:59 UTC on the 10th are the 10th in Tashkent.
    assert queue.offered == 2
    assert previous.offered == 1


# -- with the simulator: both shapes it can write --------------------------------------------

SIMULATED = {"history_size": 199, "days": 4, "seed": 11, "now": 1_773_100_800.0}


def simulated_period():
    now = dt.datetime.fromtimestamp(SIMULATED["now"], UTC)
    first = (now - dt.timedelta(days=SIMULATED["days"] + 1)).astimezone(TASHKENT).date()
    return days_period(first, now.astimezone(TASHKENT).date())


TASHKENT = dt.timezone(dt.timedelta(hours=5))


def counted_from_records(records, number):
    """One record per call: the plain count of the simulator's records to `number`."""
    offered = answered = within = wait_total = 0
    waits = [0] * 6
    for record in records:
        if record["TO_NUM"] != number or record["FROM_TYPE"] != 2 or record["STATUS"] == 5:
            continue
        wait = record["CALL_DURATION"] - record["ANSWERED_DURATION"]
        offered += 1
        if record["STATUS"] == 4:
            answered += 1
            within += wait <= SERVICE_LEVEL
            wait_total += wait
        else:
            waits[_bucket_by_bounds(wait)] += 1
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": offered - answered,
        "within": within,
        "wait_total": wait_total,
        "waits": waits,
    }


@pytest.mark.django_db
def test_the_simulators_queue_calls_in_both_shapes_give_the_plain_counts(
    make_kerio_simulator, private_cache
):
    """(private_cache: the directory the syncs read is each PBX's own, not one a previous test
    kept under the same PBX id.)"""
    from monitoring.tests.factories import connect

    per_call = make_kerio_simulator(queue_records="call", **SIMULATED)
    per_leg = make_kerio_simulator(queue_records="legs", **SIMULATED)
    records = per_call.history_snapshot()
    assert len(per_leg.history_snapshot()) > len(records)
    call_pbx, leg_pbx = connect(per_call, name="Calls"), connect(per_leg, name="Legs")
    sync_pbx(call_pbx)
    sync_pbx(leg_pbx)

    report = queue_report(simulated_period())

    for number in ("800", "700"):
        expected = counted_from_records(records, number)
        assert expected["offered"] > 5 and expected["abandoned"] > 0, number
        assert as_dict(figures_of(report, "Calls", number)) == expected, number
        assert as_dict(figures_of(report, "Legs", number)) == expected, number
    # The queue's abandoning callers waited anything from under 10 s to over 5 minutes.
    assert sum(1 for count in counted_from_records(records, "800")["waits"] if count) >= 3


# -- the page ----------------------------------------------------------------------------------

URL = reverse("queues") + "?period=custom&start=2026-03-10&end=2026-03-10"


def row(html, number):
    match = re.search(rf'<tr data-number="{number}">(.*?)</tr>', html, re.S)
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', match.group(1)))


def test_the_page_shows_each_numbers_figures_and_bars(supervisor_client, services):
    store(services, CALLS, "legs")
    expected = plain(CALLS, "800")

    response = supervisor_client.get(URL)

    html = response.content.decode()
    assert row(html, "800") == {
        "offered": str(expected["offered"]),
        "answered": str(expected["answered"]),
        "abandoned": str(expected["abandoned"]),
        "service_level": f"{round(100 * expected['within'] / expected['offered'])}%",
        "average_wait": "0:25",  # (20 + 21 + 47 + 12) / 4
    }
    assert row(html, "799")["offered"] == "0" and row(html, "799")["service_level"] == "—"
    waits = re.search(r'queue-waits".*?<tr data-number="800">(.*?)</tr>', html, re.S)
    assert re.findall(r'data-bucket="\d">(\d+)<', waits.group(1)) == [
        str(n) for n in expected["waits"]
    ]
    bars = re.search(r'<tr data-number="800">.*?<svg(.*?)</svg>', html, re.S).group(1)
    assert re.findall(r'data-count="(\d+)"', bars) == [str(n) for n in expected["waits"]]
    assert "<h2>Main</h2>" not in html  # one PBX: no heading of its own
    every = [plain(CALLS, number) for number in ("800", "801", "700")]
    offered, abandoned = sum(e["offered"] for e in every), sum(e["abandoned"] for e in every)
    assert f"{100 * abandoned / offered:.1f}% of offered" in html


def test_with_several_pbxes_each_has_its_own_table(supervisor_client, services):
    directory(make_pbx("Branch"), [("850", DirectoryEntry.Kind.QUEUE)])

    html = supervisor_client.get(URL).content.decode()

    assert "<h2>Branch</h2>" in html and "<h2>Main</h2>" in html
    assert html.index('data-number="850"') < html.index('data-number="800"')


def test_without_service_numbers_the_page_says_so(supervisor_client, pbx):
    html = supervisor_client.get(URL).content.decode()

    assert "lists no call queue" in html


def test_operators_may_not_open_it_nor_see_the_link(operator_client, supervisor_client, services):
    assert operator_client.get(URL).status_code == 403
    assert reverse("queues") not in operator_client.get(reverse("dashboard")).content.decode()
    assert reverse("queues") in supervisor_client.get(reverse("dashboard")).content.decode()


def test_administrators_may_open_it(administrator_client, services):
    assert administrator_client.get(URL).status_code == 200


@pytest.mark.default_language
@pytest.mark.parametrize("language", ["uz", "ru"])
def test_the_page_is_translated(supervisor_client, services, language):
    store(services, CALLS)
    supervisor_client.post(reverse("set_language"), {"language": language, "next": URL})
    html = supervisor_client.get(URL).content.decode()

    for english in ("Queues and IVR", "Wait before abandoning", "Average wait to answer"):
        assert english not in html, (language, english)
    words = {"uz": ("Navbatlar va IVR", "kelganlarning"), "ru": ("Очереди и IVR", "от поступивших")}
    assert all(word in html for word in words[language])
    assert "of offered" not in html

"""The sync, the live poll and the schedule against boxes that behave like real appliances, over
real HTTPS: the appliance's own certificate pinned, numbers as strings, local-time epochs, a
wrong password on a box that locks an address out, and records with missing or unknown fields.
"""

import datetime as dt
import time
from unittest import mock

import pytest
from django.urls import reverse

from monitoring import live, tasks
from monitoring.models import Call, CallStatus, RejectedRecord, SyncRun
from monitoring.sync import SyncFailed, sync_pbx
from providers.kerio.simulator.demo import CallFactory
from providers.kerio.tls import format_fingerprint
from providers.messages import words
from providers.models import PbxConnection
from providers.services import save_pbx_connection
from providers.session_keeper import logins_paused
from providers.tests import factories

pytestmark = pytest.mark.django_db

WRONG_FINGERPRINT = "ab" * 32


def connect(simulator, **fields) -> PbxConnection:
    """The office's connection to `simulator`, trusting a CA only where the box has one."""
    ca_file = simulator.ca_file if simulator.config.certificate == "ca" else ""
    return factories.connect(simulator, name="Office", **{"ca_file": ca_file, **fields})


def true_calls(simulator) -> list[tuple]:
    """What happened on the box (its own true epochs), as the stored calls must say it."""
    return sorted(
        (
            dt.datetime.fromtimestamp(record["TIMESTAMP"], dt.UTC),
            record["FROM_NUM"],
            record["TO_NUM"],
            record["CALL_DURATION"],
            record["ANSWERED_DURATION"],
            record["STATUS"],
        )
        for record in simulator.history_snapshot()
    )


def stored_calls(pbx) -> list[tuple]:
    return sorted(
        Call.objects.filter(pbx=pbx).values_list(
            "started_at", "from_number", "to_number", "total_seconds", "talk_seconds",
            "status_code",
        )
    )  # fmt: skip


def add_recent_calls(simulator, count: int) -> None:
    factory = CallFactory(__import__("random").Random(3))
    now = int(time.time())
    records = []
    for minutes in range(count):
        plan = factory.plan()
        records.append(plan.record(now - 300 - 60 * minutes - plan.ring - plan.talk))
    simulator.state.add_history(records, recordings=False)


# -- the certificate -------------------------------------------------------------------------------


def test_a_pinned_common_name_only_certificate_syncs_exactly(make_kerio_simulator):
    simulator = make_kerio_simulator(certificate="self_signed_cn", history_size=700)
    pbx = connect(simulator, tls_fingerprint=simulator.certificate_fingerprint)

    run = sync_pbx(pbx)

    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert stored_calls(pbx) == true_calls(simulator)


def test_a_wrong_fingerprint_fails_before_the_login_is_sent(make_kerio_simulator):
    simulator = make_kerio_simulator(certificate="self_signed_cn")
    pbx = connect(simulator, tls_fingerprint=WRONG_FINGERPRINT)

    with pytest.raises(SyncFailed) as failed:
        sync_pbx(pbx)

    assert simulator.request_counts() == {}
    assert format_fingerprint(simulator.certificate_fingerprint) in words(failed.value.run.error)
    assert format_fingerprint(WRONG_FINGERPRINT) in words(failed.value.run.error)
    assert not Call.objects.exists()


# -- numbers as strings --------------------------------------------------------------------------


def test_strings_everywhere_sync_exactly(make_kerio_simulator):
    simulator = make_kerio_simulator(numbers_as_strings=True, history_size=900)
    pbx = connect(simulator)

    sync_pbx(pbx)

    assert stored_calls(pbx) == true_calls(simulator)
    assert isinstance(Call.objects.filter(pbx=pbx).first().raw["TIMESTAMP"], str)


@pytest.mark.parametrize("strings", [False, True])
def test_an_incremental_run_reads_only_the_recent_pages(make_kerio_simulator, strings):
    simulator = make_kerio_simulator(
        numbers_as_strings=strings, history_size=3000, days=30, now=time.time()
    )
    pbx = connect(simulator)
    sync_pbx(pbx)
    add_recent_calls(simulator, 10)
    simulator.reset_counts()

    run = sync_pbx(pbx)

    assert run.created == 10
    assert simulator.request_counts()["CallHistory.get"] == 1
    assert stored_calls(pbx) == true_calls(simulator)


# -- the PBX's clock -----------------------------------------------------------------------------


def test_local_time_epochs_with_the_zone_set_store_the_true_instants(make_kerio_simulator):
    simulator = make_kerio_simulator(timestamps_timezone="Asia/Tashkent", history_size=400)
    pbx = connect(simulator, timestamps_timezone="Asia/Tashkent")

    sync_pbx(pbx)

    assert stored_calls(pbx) == true_calls(simulator)


def test_a_local_time_box_read_as_utc_is_said_on_the_run_and_the_health_page(
    admin_client, make_kerio_simulator
):
    simulator = make_kerio_simulator(timestamps_timezone="Asia/Tashkent", now=time.time())
    simulator.end_call(simulator.start_call("101", "+998901234567"))  # a call just now
    pbx = connect(simulator)

    run = sync_pbx(pbx)

    assert run.clock_warning_code == "future"
    assert "Asia/Tashkent" in str(run.clock_warning)
    for page in ("health", "sync_run_list"):
        args = [pbx.pk] if page == "sync_run_list" else []
        html = admin_client.get(reverse(page, args=args)).content.decode()
        assert "probably writes its timestamps in local time" in html


def test_changing_the_zone_re_derives_the_stored_times_and_loses_or_doubles_nothing(
    make_kerio_simulator,
):
    simulator = make_kerio_simulator(
        timestamps_timezone="Asia/Tashkent", history_size=600, now=time.time()
    )
    pbx = connect(simulator)
    sync_pbx(pbx)
    keys = set(Call.objects.values_list("key", flat=True))

    pbx = save_pbx_connection("Office", timestamps_timezone="Asia/Tashkent")
    rederived = stored_calls(pbx)
    run = sync_pbx(pbx, full=True)

    assert rederived == true_calls(simulator)
    assert set(Call.objects.values_list("key", flat=True)) == keys
    assert run.created == 0
    assert run.clock_warning_code == ""


# -- logins ------------------------------------------------------------------------------------


def test_two_minutes_of_a_worker_with_a_wrong_password_never_lock_the_server_out(
    make_kerio_simulator,
):
    """Two minutes of the schedule: a live poll every 3 s (40) and a sync each minute (2)."""
    simulator = make_kerio_simulator(lockout_after=10)
    pbx = connect(simulator, password="typo")

    for poll in range(40):
        tasks.poll_live_calls()
        if poll % 20 == 0:
            tasks.sync_pbx(pbx.pk)

    assert simulator.request_counts()["Session.login"] <= 4
    assert simulator.lockouts == 0
    snapshot = live.LiveSnapshot.objects.get(pbx=pbx)
    assert "correct the password in Settings" in words(snapshot.error)


def test_a_minute_and_a_half_of_live_polling_uses_one_login(make_kerio_simulator):
    simulator = make_kerio_simulator()
    pbx = connect(simulator)
    simulator.start_call("101", "+998901234567", answered=True)

    for _poll in range(30):
        tasks.poll_live_calls()
    sync_pbx(pbx)

    counts = simulator.request_counts()
    assert counts["Session.login"] == 1
    assert counts["Status.getCalls"] == 31
    assert counts.get("Session.logout", 0) == 0


def test_the_banner_and_the_health_page_say_logins_are_paused(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, password="typo")
    live.poll_live_calls(pbx)

    dashboard = admin_client.get(reverse("dashboard")).content.decode()
    health = admin_client.get(reverse("health")).content.decode()

    for page in (dashboard, health):
        assert "logins are paused so the PBX does not block this server" in page


def test_the_schedule_waits_and_sync_now_lifts_the_pause(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, password="typo")
    live.poll_live_calls(pbx)
    tasks.sync_all()
    assert kerio_simulator.request_counts()["Session.login"] == 1

    def run_in_process(*args, **kwargs):  # as the worker runs the queued task
        return tasks.sync_pbx.apply(args=args, kwargs=kwargs)

    with mock.patch("monitoring.tasks.sync_pbx.delay", side_effect=run_in_process):
        admin_client.post(reverse("sync_now", args=[pbx.pk]))

    assert logins_paused(pbx) is not None  # refused again, paused again
    assert kerio_simulator.request_counts()["Session.login"] == 2


# -- tolerance --------------------------------------------------------------------------------


def test_missing_optional_fields_and_unknown_codes_are_kept(admin_client, make_kerio_simulator):
    simulator = make_kerio_simulator(history_size=0)
    start = int(time.time()) - 3600
    simulator.add_history(
        [
            {"TIMESTAMP": start, "FROM_NUM": "+998901112233", "TO_NUM": "101",
             "CALL_DURATION": 30, "ANSWERED_DURATION": 0, "STATUS": 9, "BLACKLISTED": True},
        ]
    )  # fmt: skip
    pbx = connect(simulator)

    sync_pbx(pbx)

    call = Call.objects.get(pbx=pbx)
    assert (call.status, call.status_code) == (CallStatus.UNKNOWN, 9)
    assert call.from_name == call.to_name == ""
    assert call.raw["BLACKLISTED"] is True
    # An hour ago may be yesterday in Tashkent: the last seven days hold it at any hour.
    page = admin_client.get(reverse("call_list"), {"period": "last7"}).content.decode()
    assert "Unknown (9)" in page


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"FROM_NUM": "101", "TO_NUM": "102", "CALL_DURATION": 5, "ANSWERED_DURATION": 3,
          "STATUS": 4}, "TIMESTAMP"),
        ({"TIMESTAMP": 1_767_000_000, "FROM_NUM": "101", "TO_NUM": "102", "DURATION": 5,
          "ANSWERED_DURATION": 3, "STATUS": 4}, "CALL_DURATION"),
        ({"TIMESTAMP": 1_767_000_000, "CALLER": "101", "TO_NUM": "102", "CALL_DURATION": 5,
          "ANSWERED_DURATION": 3, "STATUS": 4}, "FROM_NUM"),
    ],
)  # fmt: skip
def test_a_record_missing_an_indispensable_field_is_rejected_with_the_reason_shown(
    admin_client, make_kerio_simulator, record, field
):
    simulator = make_kerio_simulator(history_size=0)
    simulator.add_history([record])
    pbx = connect(simulator)

    run = sync_pbx(pbx)

    assert run.rejected == 1
    assert not Call.objects.exists()
    rejected = RejectedRecord.objects.get(run=run)
    assert rejected.raw == record
    page = admin_client.get(reverse("sync_run_list", args=[pbx.pk])).content.decode()
    assert f"The record has no {field} field" in page

"""Callbacks are derived from the stored calls: a number's missed calls are one callback until an
answered call with it (either direction) closes it; numbers match by their national number."""

from datetime import timedelta

import pytest

from monitoring.callbacks import derive
from monitoring.models import Callback
from monitoring.tests.callback_data import at, call, missed

pytestmark = pytest.mark.django_db


def test_it_groups_one_customers_attempts_into_one_callback(pbx):
    # The same customer, written three ways by the trunk.
    missed(pbx, at("10:00"), "+998 90 123 45 67", name="Aziz")
    missed(pbx, at("10:05"), "998901234567")
    missed(pbx, at("10:20"), "901234567")
    derive.rebuild()
    callback = Callback.objects.get()
    assert callback.number == "901234567"
    assert callback.attempts == 3
    assert callback.first_missed_at == at("10:00")
    assert callback.last_missed_at == at("10:20")
    assert callback.name == "Aziz"
    assert callback.is_open
    assert callback.pbx == pbx


def test_an_answered_call_out_to_the_number_closes_it_as_called_back(pbx):
    first = missed(pbx, at("10:00"), "901234567")
    back = call(pbx, at("10:12"), "outbound", "answered", "+998901234567", extension="105")
    derive.rebuild()
    callback = Callback.objects.get()
    assert callback.state == "closed"
    assert callback.resolution == "called_back"
    assert callback.closed_by_extension == "105"
    assert callback.closed_call_id == back.pk
    assert callback.first_call_id == first.pk
    assert callback.clock_seconds == 12 * 60


def test_a_later_answered_inbound_call_closes_it_as_customer_called_again(pbx):
    missed(pbx, at("10:00"), "901234567")
    call(pbx, at("11:00"), "inbound", "answered", "901234567", extension="102")
    derive.rebuild()
    callback = Callback.objects.get()
    assert callback.resolution == "called_again"
    assert callback.closed_by_extension == "102"


def test_an_unanswered_call_out_is_a_try_and_leaves_it_open(pbx):
    missed(pbx, at("10:00"), "901234567")
    call(pbx, at("10:03"), "outbound", "no_answer", "901234567")
    derive.rebuild()
    callback = Callback.objects.get()
    assert callback.is_open
    assert callback.tries == 1
    assert callback.last_try_at == at("10:03")


def test_an_answered_call_before_the_miss_does_not_close_it(pbx):
    call(pbx, at("09:30"), "outbound", "answered", "901234567")
    missed(pbx, at("10:00"), "901234567")
    derive.rebuild()
    assert Callback.objects.get().is_open


def test_a_miss_after_a_callback_opens_a_new_one(pbx):
    missed(pbx, at("10:00"), "901234567")
    call(pbx, at("10:10"), "outbound", "answered", "901234567")
    again = missed(pbx, at("12:00"), "901234567")
    derive.rebuild()
    closed, open_ = Callback.objects.order_by("first_missed_at")
    assert closed.resolution == "called_back"
    assert open_.is_open and open_.first_call_id == again.pk and open_.attempts == 1


def test_internal_calls_and_other_numbers_do_not_touch_it(pbx):
    missed(pbx, at("10:00"), "901234567")
    call(pbx, at("10:05"), "outbound", "answered", "935554433")
    call(pbx, at("10:06"), "internal", "answered", "103")
    derive.rebuild()
    assert Callback.objects.get(number="901234567").is_open


def test_a_late_call_stored_by_a_sync_updates_the_callbacks_it_affects(pbx):
    missed(pbx, at("10:00"), "901234567")
    missed(pbx, at("10:30"), "901234567")
    derive.rebuild()
    assert Callback.objects.get().attempts == 2
    # The sync stores, late, a callback made between the two misses.
    late = call(pbx, at("10:10"), "outbound", "answered", "901234567")
    derive.refresh({"901234567": late.started_at})
    first, second = Callback.objects.order_by("first_missed_at")
    assert (first.resolution, first.attempts) == ("called_back", 1)
    assert second.is_open and second.first_missed_at == at("10:30")


def test_refreshing_twice_changes_nothing(pbx):
    missed(pbx, at("10:00"), "901234567")
    call(pbx, at("10:10"), "outbound", "answered", "901234567")
    derive.rebuild()
    ids = list(Callback.objects.values_list("pk", flat=True))
    assert derive.refresh({"901234567": at("10:00") - timedelta(hours=1)}) == 0
    assert derive.rebuild() == 0
    assert list(Callback.objects.values_list("pk", flat=True)) == ids


def test_a_rebuild_drops_callbacks_whose_calls_are_gone(pbx):
    first = missed(pbx, at("10:00"), "901234567")
    derive.rebuild()
    first.delete()
    derive.rebuild()
    assert not Callback.objects.exists()


def test_touched_keeps_each_numbers_earliest_external_call():
    rows = [
        {"external_number": "901234567", "direction": "inbound", "started_at": at("10:00")},
        {"external_number": "901234567", "direction": "outbound", "started_at": at("09:00")},
        {"external_number": "", "direction": "inbound", "started_at": at("08:00")},
        {"external_number": "103", "direction": "internal", "started_at": at("08:00")},
    ]
    assert derive.touched(rows) == {"901234567": at("09:00")}

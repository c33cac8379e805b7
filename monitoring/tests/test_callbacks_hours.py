"""Working hours and the calendar: fixed holidays built in, movable ones and moved working days
entered per year, and the callback clock that counts only working time."""

from datetime import date, time

import pytest
from django.test import override_settings

from monitoring.callbacks import derive
from monitoring.callbacks.hours import Calendar, Clock
from monitoring.models import CalendarDay, Callback, WorkingHours
from monitoring.tests.callback_data import TASHKENT, WEDNESDAY, at, call, missed

FRIDAY = date(2026, 11, 13)
SATURDAY = date(2026, 11, 14)
MONDAY = date(2026, 11, 16)


def test_the_default_week_is_nine_to_six_and_saturday_to_two():
    calendar = Calendar()
    assert calendar.is_open(at("09:00"))
    assert not calendar.is_open(at("08:59"))
    assert not calendar.is_open(at("18:00"))
    assert calendar.is_open(at("13:59", SATURDAY))
    assert not calendar.is_open(at("14:00", SATURDAY))
    assert not calendar.is_open(at("12:00", date(2026, 11, 15)))  # Sunday


@pytest.mark.parametrize(
    "holiday",
    [date(2027, 1, 1), date(2027, 3, 8), date(2027, 3, 21), date(2027, 5, 9),
     date(2026, 9, 1), date(2026, 10, 1), date(2026, 12, 8)],
)  # fmt: skip
def test_uzbekistans_fixed_holidays_are_closed(holiday):
    assert Calendar().hours_of(holiday) is None


def test_a_movable_holiday_closes_a_weekday_and_a_moved_working_day_opens_a_day_off():
    calendar = Calendar(days={WEDNESDAY: False, date(2026, 11, 15): True, date(2027, 3, 8): True})
    assert calendar.hours_of(WEDNESDAY) is None
    assert calendar.hours_of(date(2026, 11, 15)) == (time(9), time(18))  # a Sunday worked
    assert calendar.hours_of(date(2027, 3, 8)) == (time(9), time(18))


def test_the_next_opening_skips_nights_weekends_and_holidays():
    calendar = Calendar(days={MONDAY: False})
    assert calendar.next_opening(at("19:30", FRIDAY)) == at("09:00", SATURDAY)
    assert calendar.next_opening(at("15:00", SATURDAY)) == at("09:00", date(2026, 11, 17))
    assert calendar.next_opening(at("10:00")) == at("10:00")


def test_open_seconds_count_only_working_time():
    calendar = Calendar()
    # Friday 17:50 to Saturday 09:10: ten minutes on Friday, ten on Saturday.
    assert calendar.open_seconds(at("17:50", FRIDAY), at("09:10", SATURDAY)) == 20 * 60
    assert calendar.open_seconds(at("10:00"), at("09:00")) == 0


def test_the_wall_clock_when_business_hours_are_switched_off():
    clock = Clock(Calendar(), business_hours_only=False)
    assert clock.starts_at(at("22:00")) == at("22:00")
    assert clock.seconds(at("17:50", FRIDAY), at("09:10", SATURDAY)) == (15 * 60 + 20) * 60


@pytest.mark.django_db
def test_the_administrators_hours_and_calendar_are_read_from_the_database():
    WorkingHours.objects.filter(weekday=2).update(opens=time(8), closes=time(20))
    WorkingHours.objects.filter(weekday=5).update(opens=None, closes=None)
    CalendarDay.objects.create(date=FRIDAY, kind=CalendarDay.Kind.HOLIDAY, name="Ramazon hayit")
    calendar = Calendar.load()
    assert calendar.is_open(at("19:00"))
    assert calendar.hours_of(SATURDAY) is None
    assert calendar.hours_of(FRIDAY) is None


@pytest.fixture
def night_call(pbx):
    """Missed on Friday at 22:30, called back on Saturday at 09:05; derived by `derive(...)`."""
    missed(pbx, at("22:30", FRIDAY), "901234567")
    call(pbx, at("09:05", SATURDAY), "outbound", "answered", "901234567")

    def derived(business_hours_only: bool) -> Callback:
        with override_settings(CALLBACK_BUSINESS_HOURS_ONLY=business_hours_only):
            derive.rebuild()
        return Callback.objects.get()

    return derived


@pytest.mark.django_db
def test_a_call_missed_at_night_is_out_of_hours_and_its_clock_starts_at_the_opening(night_call):
    callback = night_call(True)
    assert callback.out_of_hours
    assert callback.clock_starts_at == at("09:00", SATURDAY)
    assert callback.clock_seconds == 5 * 60


@pytest.mark.django_db
def test_with_the_wall_clock_the_night_counts(night_call):
    callback = night_call(False)
    assert callback.out_of_hours
    assert callback.clock_starts_at == at("22:30", FRIDAY)
    assert callback.clock_seconds == (10 * 60 + 35) * 60


@pytest.mark.django_db
def test_changing_the_calendar_recomputes_the_clocks(pbx):
    missed(pbx, at("10:00"), "901234567")
    call(pbx, at("10:30"), "outbound", "answered", "901234567")
    derive.rebuild()
    CalendarDay.objects.create(date=WEDNESDAY, kind=CalendarDay.Kind.HOLIDAY)
    assert derive.recompute_clocks() == 1
    callback = Callback.objects.get()
    assert callback.out_of_hours
    assert callback.clock_seconds == 0
    assert derive.rebuild() == 0


def test_long_spans_count_what_counting_day_by_day_counts():
    import random
    from datetime import timedelta

    calendar = Calendar(
        days={date(2026, 11, 18): False, date(2026, 11, 22): True, date(2027, 3, 8): True,
              date(2027, 3, 30): False},
    )  # fmt: skip

    def day_by_day(start, end):
        day, total = start.astimezone(TASHKENT).date(), 0
        while day <= end.astimezone(TASHKENT).date():
            total += calendar._overlap(day, start, end)
            day += timedelta(days=1)
        return int(total)

    rng = random.Random(8)
    for _ in range(300):
        start = at("00:00") + timedelta(minutes=rng.randrange(60 * 24 * 30))
        end = start + timedelta(minutes=rng.randrange(60 * 24 * 600))
        assert calendar.open_seconds(start, end) == day_by_day(start, end)


@pytest.mark.parametrize(
    ("moment", "minutes", "started_by"),
    [
        (at("09:20", date(2026, 11, 12)), 30, at("17:50")),  # Thursday 09:20: Wednesday 17:50
        (at("12:00"), 30, at("11:30")),
        (at("09:10", MONDAY), 120, at("12:10", SATURDAY)),  # Saturday closes at 14:00
        (at("07:00", date(2026, 11, 12)), 30, at("17:30")),  # before opening: last evening
    ],
)
def test_working_time_counted_back_from_a_moment(moment, minutes, started_by):
    clock = Clock(Calendar(), business_hours_only=True)

    assert clock.started_by(moment, minutes * 60) == started_by
    assert clock.seconds(started_by, moment) == minutes * 60


def test_the_wall_clock_counted_back_when_business_hours_are_switched_off():
    clock = Clock(Calendar(), business_hours_only=False)

    assert clock.started_by(at("09:20", date(2026, 11, 12)), 30 * 60) == at(
        "08:50", date(2026, 11, 12)
    )

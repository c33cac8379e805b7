"""Period presets and the period selector form, in Asia/Tashkent days."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from monitoring.periods import MAX_DAYS, PeriodForm, Preset, resolve_period

# 10:00 in Tashkent on Wednesday 12 March 2025.
NOW = datetime(2025, 3, 12, 5, 0, tzinfo=UTC)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_it_starts_today_at_local_midnight():
    period = resolve_period("today", now=NOW)
    assert (period.start, period.end) == (utc(2025, 3, 11, 19), utc(2025, 3, 12, 19))
    assert period.first_day == period.last_day == date(2025, 3, 12)
    assert period.is_single_day


def test_it_counts_2330_utc_as_the_next_local_day():
    period = resolve_period("today", now=utc(2025, 3, 11, 23, 30))
    assert period.first_day == date(2025, 3, 12)


def test_it_resolves_yesterday():
    period = resolve_period("yesterday", now=NOW)
    assert (period.start, period.end) == (utc(2025, 3, 10, 19), utc(2025, 3, 11, 19))


def test_it_starts_the_week_on_monday():
    period = resolve_period("week", now=NOW)
    assert (period.first_day, period.last_day) == (date(2025, 3, 10), date(2025, 3, 16))
    assert period.start == utc(2025, 3, 9, 19)
    assert len(period.days) == 7


def test_it_covers_the_whole_month():
    period = resolve_period("month", now=utc(2024, 2, 10))
    assert (period.first_day, period.last_day) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period.end == utc(2024, 2, 29, 19)


def test_it_resolves_a_custom_range_with_both_days_included():
    period = resolve_period("custom", date(2025, 1, 1), date(2025, 1, 3), now=NOW)
    assert (period.start, period.end) == (utc(2024, 12, 31, 19), utc(2025, 1, 3, 19))
    assert not period.is_single_day
    assert period.preset_label == "Custom range"


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("custom", None, date(2025, 1, 3)),
        ("custom", date(2025, 1, 3), date(2025, 1, 1)),
        ("custom", date(2023, 1, 1), date(2025, 1, 1)),
        ("fortnight", None, None),
    ],
)
def test_it_refuses_a_bad_period(preset, start, end):
    with pytest.raises(ValueError):
        resolve_period(preset, start, end, now=NOW)


@override_settings(TIME_ZONE="UTC")
def test_it_follows_the_configured_zone():
    period = resolve_period("today", now=utc(2025, 3, 11, 23, 30))
    assert period.first_day == date(2025, 3, 11)
    assert period.start == utc(2025, 3, 11)


def test_the_form_defaults_to_today():
    form = PeriodForm({}, now=NOW)
    assert not form.errors
    assert form.get_period().preset == Preset.TODAY
    assert form.get_period().first_day == date(2025, 3, 12)


def test_the_form_ignores_other_parameters():
    form = PeriodForm({"sort": "-calls"}, now=NOW)
    assert not form.is_bound
    assert form.get_period().preset == "today"


@pytest.mark.parametrize("preset", [p.value for p in Preset if p != Preset.CUSTOM])
def test_the_form_reads_each_preset(preset):
    form = PeriodForm({"period": preset}, now=NOW)
    assert form.is_valid(), form.errors
    assert form.get_period() == resolve_period(preset, now=NOW)


def test_the_form_reads_a_custom_range():
    form = PeriodForm({"period": "custom", "start": "2025-03-01", "end": "2025-03-05"}, now=NOW)
    assert form.is_valid(), form.errors
    assert (form.get_period().first_day, form.get_period().last_day) == (
        date(2025, 3, 1),
        date(2025, 3, 5),
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"period": "fortnight"}, "period"),
        ({"period": "custom", "start": "yesterday", "end": "2025-03-05"}, "start"),
        ({"period": "custom", "end": "2025-03-05"}, "start"),
        ({"period": "custom", "start": "2025-03-05"}, "end"),
        ({"period": "custom", "start": "2025-03-05", "end": "2025-03-01"}, "end"),
        ({"period": "custom", "start": "2020-01-01", "end": "2025-03-01"}, "__all__"),
    ],
)
def test_the_form_reports_bad_input_and_falls_back_to_today(data, field):
    form = PeriodForm(data, now=NOW)
    assert not form.is_valid()
    assert field in form.errors
    assert form.get_period() == resolve_period("today", now=NOW)


def test_the_longest_custom_range_is_accepted():
    form = PeriodForm({"period": "custom", "start": "2024-01-01", "end": "2024-12-31"}, now=NOW)
    assert form.is_valid(), form.errors
    assert len(form.get_period().days) == MAX_DAYS


# 00:30 on Thursday 1 January 2026 in Tashkent: still 31 December 2025 in UTC.
NEW_YEAR = utc(2025, 12, 31, 19, 30)


def local_midnight(day: date) -> datetime:
    """The UTC moment a Tashkent day begins (Tashkent is UTC+5 all year)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=5)


@pytest.mark.parametrize(
    ("preset", "first", "last"),
    [
        ("today", date(2026, 1, 1), date(2026, 1, 1)),
        ("yesterday", date(2025, 12, 31), date(2025, 12, 31)),
        ("last7", date(2025, 12, 26), date(2026, 1, 1)),
        ("last30", date(2025, 12, 3), date(2026, 1, 1)),
        # Thursday: this week began on Monday 29 December.
        ("week", date(2025, 12, 29), date(2026, 1, 4)),
        ("last_week", date(2025, 12, 22), date(2025, 12, 28)),
        ("month", date(2026, 1, 1), date(2026, 1, 31)),
        ("last_month", date(2025, 12, 1), date(2025, 12, 31)),
        ("year", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_the_presets_count_tashkent_days_across_the_new_year(preset, first, last):
    period = resolve_period(preset, now=NEW_YEAR)
    assert (period.first_day, period.last_day) == (first, last)
    assert period.start == local_midnight(first)
    assert period.end == local_midnight(last + timedelta(days=1))
    assert len(period.days) == (last - first).days + 1


def test_the_last_7_and_30_days_end_today_and_count_today_in():
    seven = resolve_period("last7", now=NOW)
    thirty = resolve_period("last30", now=NOW)
    assert seven.last_day == thirty.last_day == date(2025, 3, 12)
    assert (len(seven.days), len(thirty.days)) == (7, 30)
    assert seven.end == utc(2025, 3, 12, 19)


def test_last_week_is_monday_to_sunday_before_this_week_even_on_a_monday():
    # 00:10 on Monday 9 March 2026 in Tashkent (19:10 UTC on Sunday).
    period = resolve_period("last_week", now=utc(2026, 3, 8, 19, 10))
    assert (period.first_day, period.last_day) == (date(2026, 3, 2), date(2026, 3, 8))
    assert [day.weekday() for day in period.days] == [0, 1, 2, 3, 4, 5, 6]


def test_last_week_on_a_sunday_night_is_still_the_week_before():
    # 23:50 on Sunday 8 March 2026 in Tashkent: this week is 2-8 March.
    period = resolve_period("last_week", now=utc(2026, 3, 8, 18, 50))
    assert (period.first_day, period.last_day) == (date(2026, 2, 23), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        # 1 March 2024, 00:30 Tashkent (29 February in UTC): last month is a leap February.
        (utc(2024, 2, 29, 19, 30), date(2024, 2, 1), date(2024, 2, 29)),
        # 31 March 2025, 23:59 Tashkent: last month is February.
        (utc(2025, 3, 31, 18, 59), date(2025, 2, 1), date(2025, 2, 28)),
        # 1 April 2025, 00:00 Tashkent (31 March 19:00 UTC): last month is March.
        (utc(2025, 3, 31, 19, 0), date(2025, 3, 1), date(2025, 3, 31)),
    ],
)
def test_last_month_turns_at_tashkent_midnight(now, first, last):
    period = resolve_period("last_month", now=now)
    assert (period.first_day, period.last_day) == (first, last)


def test_this_year_turns_at_tashkent_midnight_not_utc():
    before = resolve_period("year", now=utc(2025, 12, 31, 18, 59))
    after = resolve_period("year", now=utc(2025, 12, 31, 19, 0))
    assert (before.first_day, before.last_day) == (date(2025, 1, 1), date(2025, 12, 31))
    assert (after.first_day, after.last_day) == (date(2026, 1, 1), date(2026, 12, 31))
    assert after.start == utc(2025, 12, 31, 19)


def test_a_leap_year_has_366_days():
    assert len(resolve_period("year", now=utc(2024, 6, 1)).days) == 366


def test_every_preset_has_a_label_in_the_selector():
    form = PeriodForm({}, now=NOW)
    values = [value for value, _label in form.fields["period"].choices]
    assert values == [
        "today", "yesterday", "last7", "last30", "week", "last_week", "month", "last_month",
        "year", "custom",
    ]  # fmt: skip

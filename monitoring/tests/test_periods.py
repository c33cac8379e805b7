"""Period presets and the period selector form, in Asia/Tashkent days."""

from datetime import UTC, date, datetime

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


@pytest.mark.parametrize("preset", ["today", "yesterday", "week", "month"])
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

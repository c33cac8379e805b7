"""Time to callback: the service level within N minutes of working time, the median and 90th
percentile, the open callbacks and the oldest one's age, in all and per extension."""

from datetime import timedelta

import pytest
from django.test import override_settings

from monitoring.callbacks import actions, derive, figures
from monitoring.callbacks.hours import Calendar, Clock
from monitoring.models import Callback
from monitoring.periods import Preset, days_period
from monitoring.tests.callback_data import WEDNESDAY, at, call, missed

pytestmark = pytest.mark.django_db
DAY = days_period(WEDNESDAY, WEDNESDAY, Preset.CUSTOM)


@pytest.fixture
def day(pbx, operator_user):
    """Five missed numbers on Wednesday: called back after 5, 10 and 40 minutes, one wrong
    number, one still open since 16:00."""
    for number, minutes, extension in [("901000001", 5, "101"), ("901000002", 10, "101"),
                                       ("901000003", 40, "102")]:  # fmt: skip
        missed(pbx, at("10:00"), number)
        call(pbx, at("10:00") + timedelta(minutes=minutes), "outbound", "answered", number,
             extension=extension)  # fmt: skip
    missed(pbx, at("11:00"), "901000004")
    missed(pbx, at("16:00"), "901000005")
    derive.rebuild()
    actions.record_outcome(Callback.objects.get(number="901000004"), operator_user, "wrong_number")


def test_the_service_level_counts_callbacks_within_the_target(day):
    result = figures.figures(DAY, now=at("17:00"), clock=Clock(Calendar()))
    assert result.minutes == 15
    # Called back within 15 minutes: two of four (the wrong number is left out).
    assert (result.within, result.counted, result.called_back) == (2, 4, 3)
    assert result.service_level == 50


def test_median_and_90th_percentile_of_the_time_to_callback(day):
    result = figures.figures(DAY, now=at("17:00"))
    assert result.median == 10 * 60
    # Interpolated between 10 and 40 minutes, as PostgreSQL's PERCENTILE_CONT does.
    assert result.p90 == pytest.approx(34 * 60)


def test_the_open_callbacks_and_the_oldest_ones_working_time(day):
    result = figures.figures(DAY, now=at("09:30", WEDNESDAY + timedelta(days=1)))
    assert result.open == 1
    # 16:00 to 18:00 on Wednesday, 09:00 to 09:30 on Thursday.
    assert result.oldest_seconds == (2 * 60 + 30) * 60


@override_settings(CALLBACK_SERVICE_LEVEL_MINUTES=45)
def test_the_target_is_a_setting(day):
    assert figures.figures(DAY, now=at("17:00")).service_level == 75


def test_a_period_without_missed_calls_has_no_service_level(db):
    result = figures.figures(DAY)
    assert result.service_level is None
    assert result.median is None
    assert result.open == 0 and result.oldest_seconds is None


def test_per_extension_the_callbacks_made_and_their_median(day):
    agents = figures.per_extension(DAY)
    assert set(agents) == {"101", "102"}
    assert (agents["101"].made, agents["101"].median) == (2, 7.5 * 60)
    assert (agents["102"].made, agents["102"].median) == (1, 40 * 60)


def test_the_percentile_interpolates_like_the_database():
    assert figures.percentile([], 0.5) is None
    assert figures.percentile([7], 0.9) == 7
    assert figures.percentile([0, 10, 20, 30], 0.5) == 15

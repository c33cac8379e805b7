"""The server-side SVG bar chart's geometry."""

from datetime import date, datetime, timedelta

import pytest

from monitoring.charts import BOTTOM, HEIGHT, activity_chart, nice_step
from monitoring.kpis import Activity, Bucket
from monitoring.tests.dashboard_data import TASHKENT


def hours(*counts):
    return Activity(
        by="hour",
        buckets=[
            Bucket(datetime(2025, 3, 10, hour, tzinfo=TASHKENT), *counts[hour])
            if hour < len(counts)
            else Bucket(datetime(2025, 3, 10, hour, tzinfo=TASHKENT))
            for hour in range(24)
        ],
    )


@pytest.mark.parametrize(("value", "step"), [(0, 1), (3, 1), (4, 1), (5, 2), (30, 10), (41, 20)])
def test_it_picks_a_round_step(value, step):
    assert nice_step(value) == step


def test_it_draws_three_bars_per_hour_with_their_numbers():
    chart = activity_chart(hours((0, 0, 0), (5, 2, 3)))
    assert len(chart.bars) == 72
    one = [bar for bar in chart.bars if "01:00\u201302:00" in bar.title]
    assert [(bar.series, bar.value) for bar in one] == [
        ("inbound_answered", 5),
        ("inbound_missed", 2),
        ("outbound", 3),
    ]
    assert "Inbound missed: 2" in one[1].title
    assert chart.total == 10


def test_it_stacks_missed_on_answered_and_scales_to_the_top_tick():
    chart = activity_chart(hours((4, 4, 2)))
    answered, missed, outbound = chart.bars[:3]
    baseline = HEIGHT - BOTTOM
    assert answered.y + answered.height == pytest.approx(baseline)
    assert missed.y + missed.height == pytest.approx(answered.y)
    assert outbound.x > answered.x
    assert outbound.height == pytest.approx(answered.height / 2)
    top = chart.y_ticks[-1]
    assert top.value == 8
    assert missed.y == pytest.approx(top.y)


def test_it_draws_zero_height_bars_for_an_empty_hour():
    chart = activity_chart(hours())
    assert all(bar.height == 0 for bar in chart.bars)
    assert chart.total == 0
    assert [tick.value for tick in chart.y_ticks] == [0, 1]


def test_it_labels_days_for_longer_periods():
    activity = Activity(
        by="day", buckets=[Bucket(date(2025, 3, day), 1, 0, 0) for day in range(1, 32)]
    )
    chart = activity_chart(activity)
    assert chart.by == "day"
    assert chart.x_labels[0].text == "01.03"
    assert len(chart.x_labels) == 16  # every other day when there are many
    assert chart.summary == "Calls per day"


def test_it_labels_at_most_16_days_of_a_year():
    first = date(2026, 1, 1)
    activity = Activity(
        by="day", buckets=[Bucket(first + timedelta(days=n), 1, 0, 0) for n in range(365)]
    )
    chart = activity_chart(activity)
    assert len(chart.x_labels) == 16  # every 23rd day: 365 / 23 rounded up
    assert [label.text for label in chart.x_labels[:2]] == ["01.01", "24.01"]

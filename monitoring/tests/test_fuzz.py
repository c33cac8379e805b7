"""Hostile input from users: whatever lands in the query string of the calls page, the dashboard,
the exports or a number's history, the answer is a page (with form errors when the input is
wrong), never a server error."""

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.tests.factories import described_call, make_pbx, today_minus

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CALL_PARAMS = [
    "period", "start", "end", "direction", "status", "extension", "number",
    "min_duration", "sort", "per_page", "page",
]  # fmt: skip
DASHBOARD_PARAMS = ["period", "start", "end", "sort"]

TRICKY = st.sampled_from(
    [
        "", " ", "custom", "today", "yesterday", "week", "month", "answered", "inbound", "-time",
        "2024-02-30", "2024-13-01", "0001-01-01", "9999-12-31", "1900-01-01", "-1", "0", "1e309",
        "NaN", "inf", "99999999999999999999999999", "../../etc/passwd", "%00", "\x00",
        "' OR 1=1 --", "<script>alert(1)</script>", "+998 90 123 45 67", "\u202e101", "📞" * 50,
    ]
)  # fmt: skip
VALUES = st.one_of(
    TRICKY,
    st.text(max_size=200),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
    st.text(min_size=1000, max_size=5000),
)


def query(params):
    return st.dictionaries(
        st.one_of(st.sampled_from(params), st.text(min_size=1, max_size=20)),
        st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3)),
        max_size=len(params),
    )


@pytest.fixture
def signed_in(db, admin_user):
    """A handful of calls today, and the administrator's client (one for every example)."""
    pbx = make_pbx()
    for n in range(7):
        described_call(pbx, today_minus(5 + n), "inbound", "answered", 60, 40, f"90{n}", "101")
    client = Client()
    client.force_login(admin_user)
    return client


def read(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode()


# -- Never a server error --------------------------------------------------------------------------


@FUZZ
@given(params=query(CALL_PARAMS))
def test_the_calls_page_takes_any_query(signed_in, params):
    response = signed_in.get(reverse("call_list"), params)
    assert response.status_code == 200
    html = read(response)
    assert 'id="calls-table"' in html or "Please correct the filters below." in html


@FUZZ
@given(params=query(DASHBOARD_PARAMS))
def test_the_dashboard_takes_any_period(signed_in, params):
    response = signed_in.get(reverse("dashboard"), params)
    assert response.status_code == 200
    assert 'data-kpi="total"' in read(response)


@FUZZ
@given(params=query(CALL_PARAMS), name=st.sampled_from(["call_export_csv", "call_export_xlsx"]))
def test_the_exports_take_any_query(signed_in, params, name):
    response = signed_in.get(reverse(name), params)
    if response.status_code == 400:
        # Wrong filters send the user back to the calls page with the same query; Django
        # refuses a redirect longer than 16,384 characters.
        assert len(urlencode(params, doseq=True)) > 5000
        return
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("call_list"))
    else:
        read(response)


# The calendar's own ends, and the days around the limits of a custom range.
EDGE_DAYS = st.sampled_from(
    [
        dt.date.min, dt.date.min + dt.timedelta(days=1), dt.date(1969, 12, 31),
        dt.date(1970, 1, 1), dt.date(2999, 12, 31), dt.date(3000, 1, 1),
        dt.date.max - dt.timedelta(days=1), dt.date.max,
    ]
)  # fmt: skip
CUSTOM_RANGES = st.fixed_dictionaries(
    {
        "period": st.just("custom"),
        "start": st.one_of(EDGE_DAYS, st.dates()).map(str),
        "end": st.one_of(EDGE_DAYS, st.dates()).map(str),
    }
)
DATE_PAGES = ["dashboard", "call_list", "call_export_csv", "call_export_xlsx"]


@FUZZ
@given(params=CUSTOM_RANGES, name=st.sampled_from(DATE_PAGES))
def test_every_page_with_a_period_takes_any_custom_range(signed_in, params, name):
    response = signed_in.get(reverse(name), params)
    assert response.status_code in (200, 302)
    read(response)


@FUZZ
@given(number=st.text(min_size=1, max_size=300).filter(lambda text: "/" not in text))
def test_a_numbers_history_takes_any_number(signed_in, number):
    response = signed_in.get(reverse("number_history", args=[number]), {"page": number})
    assert response.status_code == 200


# -- Wrong input says so ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "start": "2024-02-30", "end": "2024-03-01"},
        {"period": "custom", "start": "2024-03-05", "end": "2024-03-01"},
        {"period": "custom", "start": "2000-01-01", "end": "2024-01-01"},
        {"period": "fortnight"},
        {"status": "exploded"},
        {"direction": "sideways"},
        {"sort": "password"},
        {"per_page": "100000"},
        {"min_duration": "-5"},
        {"min_duration": "99999999999999999999"},
        {"number": "9" * 41},
        {"extension": "\x00"},
    ],
)
def test_wrong_filters_give_form_errors(signed_in, params):
    response = signed_in.get(reverse("call_list"), params)
    assert response.status_code == 200
    html = read(response)
    assert "Please correct the filters below." in html
    assert 'class="errorlist' in html
    # An export of wrong filters goes back to the page that explains them.
    export = signed_in.get(reverse("call_export_csv"), params)
    assert export.status_code == 302


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "start": "2024-02-30"},
        {"period": "custom", "start": "2024-03-05", "end": "2024-03-01"},
        {"period": "decade"},
    ],
)
def test_a_wrong_period_on_the_dashboard_says_so_and_shows_today(signed_in, params):
    html = read(signed_in.get(reverse("dashboard"), params))
    assert "The period could not be read; showing today instead." in html
    assert re.search(r'data-kpi="total".*?<div class="kpi-value">7</div>', html, re.S)


@pytest.mark.parametrize(
    "days",
    [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31"), ("1969-12-31", "1970-01-01")],
)
def test_days_beyond_the_calendar_we_keep_are_refused_with_a_form_error(signed_in, days):
    params = {"period": "custom", "start": days[0], "end": days[1]}
    html = read(signed_in.get(reverse("call_list"), params))
    assert "Choose a day from Jan. 1, 1970 to Dec. 31, 2999." in html
    dashboard = read(signed_in.get(reverse("dashboard"), params))
    assert "The period could not be read; showing today instead." in dashboard
    for name in ("call_export_csv", "call_export_xlsx"):
        assert signed_in.get(reverse(name), params).status_code == 302


def test_the_first_and_last_days_we_keep_are_a_valid_range(signed_in):
    for days in (("1970-01-01", "1970-01-02"), ("2999-12-30", "2999-12-31")):
        params = {"period": "custom", "start": days[0], "end": days[1]}
        html = read(signed_in.get(reverse("call_list"), params))
        assert 'id="calls-table"' in html, days


def test_a_page_alone_shows_the_calls_of_today(signed_in):
    html = read(signed_in.get(reverse("call_list"), {"page": "2", "utm_source": "mail"}))
    assert len(re.findall(r'<tr data-call="\d+">', html)) == 7


@pytest.mark.parametrize("page", ["999999", "-3", "abc", "1e9", "0"])
def test_a_page_out_of_range_shows_a_real_page(signed_in, page):
    response = signed_in.get(reverse("call_list"), {"per_page": "25", "page": page})
    assert response.status_code == 200
    assert len(re.findall(r'<tr data-call="\d+">', read(response))) == 7

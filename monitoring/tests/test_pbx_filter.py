"""The PBX filter of the dashboard and the Calls page: shown with several PBXes to choose from,
an operator's choice limited to their own PBXes, and the exports keeping it."""

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.testing import make_user
from monitoring import export_jobs
from monitoring.models import CallStatus
from monitoring.tests.factories import DAY, day_query, local, make_call, make_pbx

DASHBOARD = reverse("dashboard")
CALLS = reverse("call_list")


@pytest.fixture
def branches(pbx):
    """Two PBXes (`pbx` is "Main"): Main has three calls of DAY, Branch two; extension 101 on
    both."""
    branch = make_pbx("Branch")
    for hour in (9, 10, 11):
        make_call(pbx, local(DAY, hour), from_name=f"main {hour}")
    make_call(branch, local(DAY, 9), from_name="branch 9")
    make_call(branch, local(DAY, 12), from_name="branch 12", status=CallStatus.NO_ANSWER)
    return pbx, branch


def pbx_options(html: str) -> list[str] | None:
    """The PBX select's option labels, or None when the page has no PBX select."""
    select = re.search(r'<select name="pbx"[^>]*>(.*?)</select>', html, re.S)
    if select is None:
        return None
    return [unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select[1])]


def total(html: str) -> str:
    return re.search(r'data-kpi="total".*?<div class="kpi-value">([^<]*)</div>', html, re.S)[1]


def listed(html: str) -> list[str]:
    """The calls table's callers' names (the factories' from_name)."""
    return sorted(set(re.findall(r"(main \d+|branch \d+)", html)))


def test_one_pbx_has_no_pbx_filter(admin_client, pbx):
    make_call(pbx, local(DAY, 9))
    assert pbx_options(admin_client.get(DASHBOARD, day_query()).content.decode()) is None
    assert pbx_options(admin_client.get(CALLS, day_query()).content.decode()) is None


def test_several_pbxes_can_be_chosen_by_name_or_all(admin_client, branches):
    for url in (DASHBOARD, CALLS):
        assert pbx_options(admin_client.get(url, day_query()).content.decode()) == [
            "All",
            "Branch",
            "Main",
        ]


def test_the_dashboard_counts_the_chosen_pbxs_calls(admin_client, branches):
    main, branch = branches
    assert total(admin_client.get(DASHBOARD, day_query()).content.decode()) == "5"
    html = admin_client.get(DASHBOARD, day_query(pbx=branch.pk)).content.decode()
    assert total(html) == "2"
    assert '<span class="pbx-name">Branch</span>' in html
    missed = re.search(r'data-kpi="inbound_missed".*?<div class="kpi-value">([^<]*)<', html, re.S)
    assert missed[1] == "1"
    assert total(admin_client.get(DASHBOARD, day_query(pbx=main.pk)).content.decode()) == "3"


def test_the_dashboard_compares_the_chosen_pbx_with_its_own_past(admin_client, branches):
    main, branch = branches
    day_before = DAY - timedelta(days=1)
    make_call(main, local(day_before, 9))
    for hour in (9, 10, 11):
        make_call(branch, local(day_before, hour))
    html = admin_client.get(DASHBOARD, day_query(pbx=branch.pk)).content.decode()
    title = re.search(r'data-kpi="total".*?class="kpi-change[^"]*"[^>]*title="([^"]*)"', html, re.S)
    assert unescape(title[1]).endswith("(then 3)")


def test_the_calls_page_lists_the_chosen_pbxs_calls(admin_client, branches):
    _main, branch = branches
    html = admin_client.get(CALLS, day_query(pbx=branch.pk)).content.decode()
    assert listed(html) == ["branch 12", "branch 9"]
    assert listed(admin_client.get(CALLS, day_query()).content.decode()) == [
        "branch 12",
        "branch 9",
        "main 10",
        "main 11",
        "main 9",
    ]


def test_an_operator_of_one_pbx_has_no_choice_and_sees_only_it(client, branches):
    main, _branch = branches
    client.force_login(make_user("odil", Role.OPERATOR, extensions="101", pbx=main))
    for url in (DASHBOARD, CALLS):
        assert pbx_options(client.get(url, day_query()).content.decode()) is None
    assert total(client.get(DASHBOARD, day_query()).content.decode()) == "3"
    assert listed(client.get(CALLS, day_query()).content.decode()) == [
        "main 10",
        "main 11",
        "main 9",
    ]


def test_an_operator_chooses_among_their_own_pbxes_only(client, branches):
    main, branch = branches
    third = make_pbx("Third")
    make_call(third, local(DAY, 9), from_name="third 9")
    operator = make_user("odil", Role.OPERATOR, extensions="101", pbx=main)
    operator.operator_profiles.create(pbx=branch, extensions="101")
    client.force_login(operator)
    assert pbx_options(client.get(DASHBOARD, day_query()).content.decode()) == [
        "All",
        "Branch",
        "Main",
    ]
    assert total(client.get(DASHBOARD, day_query(pbx=branch.pk)).content.decode()) == "2"
    # Another PBX's id widens nothing: the dashboard shows the operator's own calls, the Calls
    # page refuses the filter.
    assert total(client.get(DASHBOARD, day_query(pbx=third.pk)).content.decode()) == "5"
    html = client.get(CALLS, day_query(pbx=third.pk)).content.decode()
    assert "third 9" not in html
    assert "Please correct the filters below." in html


def csv_names(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return sorted(row[3] for row in list(csv.reader(io.StringIO(text)))[1:])


def test_the_exports_keep_the_pbx_filter(admin_client, admin_user, branches):
    _main, branch = branches
    response = admin_client.get(reverse("call_export_csv"), day_query(pbx=branch.pk))
    assert csv_names(response) == ["branch 12", "branch 9"]
    # The export link of the filtered page carries the filter.
    html = admin_client.get(CALLS, day_query(pbx=branch.pk)).content.decode()
    link = re.search(r'href="([^"]*)"[^>]*>Export CSV', html)[1]
    assert f"pbx={branch.pk}" in unescape(link)
    # A large XLSX export (a job the worker runs) reads the same query.
    query = unescape(link).split("?", 1)[1]
    calls = export_jobs.calls_for(admin_user, query)
    assert sorted(calls.values_list("from_name", flat=True)) == ["branch 12", "branch 9"]


def test_an_operators_export_job_cannot_choose_another_pbx(branches):
    main, branch = branches
    operator = make_user("odil", Role.OPERATOR, extensions="101", pbx=main)
    query = "&".join(f"{k}={v}" for k, v in day_query(pbx=branch.pk).items())
    assert export_jobs.calls_for(operator, query) is not None
    assert sorted(export_jobs.calls_for(operator, query).values_list("from_name", flat=True)) == [
        "main 10",
        "main 11",
        "main 9",
    ]

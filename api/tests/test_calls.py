"""/api/calls/: the calls page's filters and visibility, newest first, a cursor's pages that list
each call once, and one call by id."""

import datetime as dt

import pytest

from monitoring.models import Call, CallStatus, Direction
from monitoring.tests.factories import DAY, day_query, local, make_call, make_pbx

pytestmark = pytest.mark.django_db

CALLS = "/api/calls/"


def follow(api, token, params) -> list[int]:
    """Every call id of every page, in order."""
    response = api(CALLS, token, **params)
    ids = []
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [call["id"] for call in body["results"]]
        if body["next"] is None:
            return ids
        response = api(body["next"], token)


def page_ids(client, params) -> list[int]:
    """The ids the calls page lists for `params` (one page of up to 200)."""
    response = client.get("/calls/", {**params, "per_page": 200})
    assert response.status_code == 200
    return [row["id"] for row in response.context["page"].object_list]


@pytest.fixture
def branch(db):
    return make_pbx("Branch")


@pytest.fixture
def day_calls(pbx, branch):
    """A day of calls on two PBXes; extension 101 exists on both."""
    made = [
        make_call(pbx, local(DAY, 9), extension="101", to_number="101"),
        make_call(pbx, local(DAY, 10), extension="102", to_number="102",
                  status=CallStatus.NO_ANSWER, talk_seconds=0, total_seconds=20),
        make_call(pbx, local(DAY, 11), extension="103", to_number="103",
                  from_number="+998935554433", external_number="935554433"),
        make_call(pbx, local(DAY, 12), direction=Direction.OUTBOUND, extension="101",
                  from_number="101", to_number="+998712000000", external_number="712000000",
                  total_seconds=300, talk_seconds=290),
        make_call(branch, local(DAY, 13), extension="101", to_number="101"),
        make_call(branch, local(DAY, 14), extension="104", to_number="104"),
        make_call(pbx, local(DAY + dt.timedelta(days=1), 0, 30), extension="101"),
    ]  # fmt: skip
    return made


def test_a_call_is_written_with_utc_and_local_times_and_codes(api, token_of, supervisor_user, pbx):
    call = make_call(pbx, local(DAY, 9, 15), status=CallStatus.NO_ANSWER, raw={"SECRET": "x"})
    body = api(CALLS, token_of(supervisor_user), **day_query()).json()
    assert body["results"] == [
        {
            "id": call.pk,
            "pbx": {"id": pbx.pk, "name": pbx.name},
            "started_at": "2026-03-10T04:15:00+00:00",
            "started_at_local": "2026-03-10T09:15:00+05:00",
            "direction": "inbound",
            "status": "no_answer",
            "status_code": 4,
            "from_number": "+998901234567",
            "from_name": "",
            "to_number": "101",
            "to_name": "",
            "extension": "101",
            "external_number": "901234567",
            "total_seconds": 60,
            "talk_seconds": 50,
            "wait_seconds": 10,
        }
    ]
    assert body["period"]["start"] == "2026-03-09T19:00:00+00:00"
    assert body["period"]["end_local"] == "2026-03-11T00:00:00+05:00"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "no_answer"},
        {"direction": "outbound"},
        {"extension": "101"},
        {"number": "93 555"},
        {"number": "+998 71 2"},
        {"min_duration": "100"},
        {"status": "answered", "extension": "101"},
    ],
)
def test_the_filters_select_what_the_calls_page_lists(
    api, token_of, day_calls, params, administrator_user, administrator_client, operator_user,
    operator_client,
):  # fmt: skip
    query = day_query(**params)
    for user, client in ((administrator_user, administrator_client),
                         (operator_user, operator_client)):  # fmt: skip
        assert follow(api, token_of(user), {**query, "limit": 2}) == page_ids(client, query)


def test_the_preset_periods_match_the_calls_page(api, token_of, pbx, administrator_user,
                                                 administrator_client):  # fmt: skip
    from django.utils import timezone

    now = timezone.now()
    for hours in (0, 1, 30, 24 * 8, 24 * 40):
        make_call(pbx, now - dt.timedelta(hours=hours))
    token = token_of(administrator_user)
    for period in ("today", "yesterday", "week", "month"):
        assert follow(api, token, {"period": period}) == page_ids(
            administrator_client, {"period": period}
        ), period


def test_an_operator_token_sees_only_the_operators_own_calls(api, token_of, day_calls, pbx,
                                                             operator_user):  # fmt: skip
    ids = follow(api, token_of(operator_user), day_query())
    # Extensions 101 and 102 of the operator's PBX only: not 103, not the branch's 101.
    expected = [day_calls[3].pk, day_calls[1].pk, day_calls[0].pk]
    assert ids == expected


def test_another_pbxs_call_is_not_found_for_an_operator(api, token_of, day_calls, operator_user):
    token = token_of(operator_user)
    own, branch_call = day_calls[0], day_calls[4]
    assert api(f"/api/calls/{own.pk}/", token).json()["id"] == own.pk
    response = api(f"/api/calls/{branch_call.pk}/", token)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api(f"/api/calls/{day_calls[2].pk}/", token).status_code == 404  # extension 103


def test_a_supervisor_reads_any_call_and_filters_by_pbx(api, token_of, day_calls, branch,
                                                       supervisor_user):  # fmt: skip
    token = token_of(supervisor_user)
    assert api(f"/api/calls/{day_calls[4].pk}/", token).json()["pbx"]["name"] == "Branch"
    ids = follow(api, token, day_query(pbx=branch.pk))
    assert ids == [day_calls[5].pk, day_calls[4].pk]
    assert api("/api/calls/999999/", token).status_code == 404


def test_the_cursor_lists_every_call_once_while_calls_arrive(api, token_of, pbx, supervisor_user):
    token = token_of(supervisor_user)
    # Ties on purpose: several calls of the same second, told apart by id.
    original = []
    for n in range(23):
        original.append(make_call(pbx, local(DAY, 8 + n // 3, 0)).pk)
    seen = []
    response = api(CALLS, token, **day_query(limit=4))
    inserted = 0
    while True:
        body = response.json()
        assert len(body["results"]) <= 4
        seen += [call["id"] for call in body["results"]]
        if body["next"] is None:
            break
        # Between pages: a newer call, one of the same second as the cursor's, and an older one.
        last = body["results"][-1]
        moment = dt.datetime.fromisoformat(last["started_at"])
        make_call(pbx, moment + dt.timedelta(hours=1))
        make_call(pbx, moment)
        make_call(pbx, moment - dt.timedelta(minutes=1))
        inserted += 3
        response = api(body["next"], token)
    assert len(seen) == len(set(seen)), "a call was listed twice"
    assert set(original) <= set(seen), "a call was skipped"
    assert inserted >= 15
    # In the pages' order throughout: newest first, the higher id first within a second.
    moments = dict(Call.objects.filter(pk__in=seen).values_list("pk", "started_at"))
    assert seen == sorted(seen, key=lambda pk: (moments[pk], pk), reverse=True)


def test_pages_are_newest_first_with_ids_breaking_ties(api, token_of, pbx, supervisor_user):
    a = make_call(pbx, local(DAY, 9)).pk
    b = make_call(pbx, local(DAY, 9)).pk
    c = make_call(pbx, local(DAY, 10)).pk
    assert follow(api, token_of(supervisor_user), day_query(limit=1)) == [c, b, a]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"period": "custom", "start": "2026-03-10"}, "end"),
        ({"limit": "501"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"pbx": "x"}, "pbx"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"min_duration": "-1"}, "min_duration"),
    ],
)
def test_invalid_parameters_are_named(api, token_of, supervisor_user, params, field):
    response = api(CALLS, token_of(supervisor_user), **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameters"
    assert field in error["fields"]


def test_an_unknown_parameter_is_refused_rather_than_ignored(api, token_of, supervisor_user):
    response = api(CALLS, token_of(supervisor_user), extention="101")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_parameters"
    assert "extention" in response.json()["error"]["message"]


def test_a_page_holds_at_most_500_calls(api, token_of, pbx, supervisor_user):
    start = local(DAY, 8)
    Call.objects.bulk_create(
        [Call(pbx=pbx, key=f"bulk{n}", started_at=start + dt.timedelta(seconds=n), raw={})
         for n in range(501)]
    )  # fmt: skip
    body = api(CALLS, token_of(supervisor_user), **day_query(limit=500)).json()
    assert len(body["results"]) == 500
    assert body["next"] is not None

"""/api/figures/, /api/callbacks/ and /api/live/: the dashboard's and the callbacks page's own
numbers and rows, limited to what the token's user sees; and nothing but GET anywhere."""

import datetime as dt

import pytest

from monitoring.callbacks import derive
from monitoring.models import Callback, LiveCall
from monitoring.tests.callback_data import WEDNESDAY, at, missed
from monitoring.tests.dashboard_data import expected, make_day
from monitoring.tests.factories import live_snapshot, make_pbx

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
ENDPOINTS = ["/api/calls/", "/api/calls/1/", "/api/callbacks/", "/api/figures/", "/api/live/",
             "/api/openapi.json"]  # fmt: skip


# -- Figures ------------------------------------------------------------------------------------


def test_the_figures_of_a_day_are_the_dashboards(api, token_of, pbx, supervisor_user):
    make_day(pbx, DAY)
    want = expected()
    body = api("/api/figures/", token_of(supervisor_user), date=DAY.isoformat()).json()
    calls = body["calls"]
    assert body["date"] == "2026-03-10"
    assert body["period"]["start_local"] == "2026-03-10T00:00:00+05:00"
    for name in ("total", "inbound", "outbound", "internal", "inbound_answered",
                 "inbound_missed", "answered", "longest_wait_seconds"):  # fmt: skip
        key = "longest_wait" if name == "longest_wait_seconds" else name
        assert calls[name] == want[key], name
    assert calls["inbound_within_service_level"] == want["within"]
    assert calls["service_level_percent"] == round(want["service_level"], 1)
    assert calls["average_wait_seconds"] == round(want["average_wait"], 1)
    assert calls["total_talk_seconds"] == want["total_talk"]
    assert calls["peak_concurrent"] == want["peak"]
    assert calls["peak_at_local"] == f"2026-03-10T{want['peak_at']}+05:00"
    assert calls["not_called_back"] == len(want["not_called_back"])
    assert len(body["hours"]) == 24
    assert body["hours"][9]["start_local"] == "2026-03-10T09:00:00+05:00"
    assert body["hours"][9]["inbound_answered"] == 2
    by_extension = {row["extension"]: row["calls"] for row in body["extensions"]}
    assert by_extension == {"101": 3, "102": 3, "103": 2}


def test_an_operators_figures_count_only_their_calls(api, token_of, pbx, operator_user):
    make_day(pbx, DAY)
    calls = api("/api/figures/", token_of(operator_user), date=DAY.isoformat()).json()["calls"]
    # Extensions 101 and 102: DAY's calls of those extensions, by hand.
    assert (calls["total"], calls["inbound"], calls["outbound"]) == (6, 4, 1)


def test_a_day_without_calls_has_empty_figures(api, token_of, supervisor_user):
    body = api("/api/figures/", token_of(supervisor_user), date="2026-01-01").json()
    assert body["calls"]["total"] == 0
    assert body["calls"]["service_level_percent"] is None
    assert body["calls"]["peak_at"] is None
    assert body["extensions"] == []


@pytest.mark.parametrize("value", ["yesterday", "2026-02-30", "0001-01-01"])
def test_a_wrong_date_is_named(api, token_of, supervisor_user, value):
    response = api("/api/figures/", token_of(supervisor_user), date=value)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["date"]


# -- Callbacks ----------------------------------------------------------------------------------


@pytest.fixture
def queue(pbx, operator_user, supervisor_user):
    """Three open callbacks (one the operator's, one the supervisor's) and a closed one."""
    missed(pbx, at("09:00"), "+998901111111")
    missed(pbx, at("09:10"), "+998902222222")
    missed(pbx, at("09:20"), "+998903333333")
    missed(pbx, at("09:30"), "+998904444444")
    derive.rebuild()
    first, second, third, fourth = Callback.objects.order_by("first_missed_at")
    Callback.objects.filter(pk=second.pk).update(owner=operator_user)
    Callback.objects.filter(pk=third.pk).update(owner=supervisor_user)
    Callback.objects.filter(pk=fourth.pk).update(state="closed", resolution="wrong_number",
                                                 closed_at=at("10:00"))  # fmt: skip
    return first, second, third, fourth


def test_callbacks_are_the_queue_of_the_page(api, token_of, queue, supervisor_user):
    first, second, third, fourth = queue
    token = token_of(supervisor_user)
    body = api("/api/callbacks/", token).json()
    assert [row["id"] for row in body["results"]] == [first.pk, second.pk, third.pk]
    row = body["results"][1]
    assert row["owner"] == "olga"
    assert (row["number"], row["pbx"]["id"]) == ("902222222", second.pbx_id)
    assert row["state"] == "open"
    assert row["first_missed_at_local"] == at("09:10").isoformat()
    assert isinstance(row["waited_seconds"], int)
    closed = api("/api/callbacks/", token, state="closed").json()["results"]
    assert [(c["id"], c["resolution"]) for c in closed] == [(fourth.pk, "wrong_number")]
    mine = api("/api/callbacks/", token, owner="me").json()["results"]
    assert [c["id"] for c in mine] == [third.pk]


def test_an_operator_sees_the_unassigned_callbacks_and_their_own(api, token_of, queue,
                                                                 operator_user):  # fmt: skip
    first, second, _supervisors, closed = queue
    body = api("/api/callbacks/", token_of(operator_user), state="all").json()
    assert sorted(row["id"] for row in body["results"]) == [first.pk, second.pk, closed.pk]


def test_callbacks_come_a_page_at_a_time(api, token_of, queue, supervisor_user):
    token = token_of(supervisor_user)
    body = api("/api/callbacks/", token, limit=2).json()
    assert len(body["results"]) == 2 and body["page"] == 1
    rest = api(body["next"], token).json()
    assert [row["id"] for row in rest["results"]] == [queue[2].pk]
    assert rest["next"] is None


def test_a_wrong_callback_state_is_named(api, token_of, supervisor_user):
    response = api("/api/callbacks/", token_of(supervisor_user), state="lost")
    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


# -- Live calls ---------------------------------------------------------------------------------


def test_live_calls_come_from_the_latest_snapshot_with_its_freshness(api, token_of, pbx,
                                                                    operator_user):  # fmt: skip
    snapshot = live_snapshot(pbx, age=dt.timedelta(seconds=2))
    LiveCall.objects.create(
        snapshot=snapshot,
        from_number="+998901234567",
        to_number="101",
        extension="101",
        state="Talking",
        total_seconds=30,
        talk_seconds=20,
    )
    LiveCall.objects.create(snapshot=snapshot, from_number="+998935554433", to_number="103",
                            extension="103", state="Ringing", total_seconds=5)  # fmt: skip
    branch = make_pbx("Branch")
    live_snapshot(branch, age=dt.timedelta(minutes=5), stale=True,
                  error={"code": "sync.disabled"})  # fmt: skip
    body = api("/api/live/", token_of(operator_user)).json()
    other, main = body["pbxes"]  # by name
    assert (main["pbx"]["name"], main["fresh"]) == (pbx.name, True)
    # The operator sees their own extension's call only.
    assert [(c["extension"], c["state"]) for c in main["calls"]] == [("101", "talking")]
    assert main["calls"][0]["total_seconds"] >= 32  # grown since the snapshot
    assert (other["pbx"]["name"], other["fresh"], other["error_code"]) == (
        "Branch", False, "sync.disabled")  # fmt: skip
    assert other["error"] == "The connection to this PBX is turned off in the settings."


def test_a_pbx_never_polled_has_no_snapshot_time(api, token_of, pbx, supervisor_user):
    body = api("/api/live/", token_of(supervisor_user)).json()
    assert body["pbxes"] == [
        {"pbx": {"id": pbx.pk, "name": pbx.name}, "taken_at": None, "taken_at_local": None,
         "fresh": False, "error_code": None, "error": None, "calls": []}
    ]  # fmt: skip


# -- Read only ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
def test_nothing_but_get_is_answered(api, token_of, supervisor_user, path):
    headers = {"Authorization": f"Bearer {token_of(supervisor_user)}"}
    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(api.client, method)(path, headers=headers)
        assert response.status_code == 405, (method, path)
        assert response["Allow"] == "GET, HEAD"
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unknown_address_under_api_answers_json(api, token_of, supervisor_user):
    for path in ("/api/", "/api/call/", "/api/calls/1/recording/"):
        response = api(path, token_of(supervisor_user))
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_a_post_changes_nothing(api, token_of, queue, supervisor_user):
    before = list(Callback.objects.values_list("id", "state", "owner_id"))
    headers = {"Authorization": f"Bearer {token_of(supervisor_user)}"}
    api.client.post("/api/callbacks/", {"state": "closed"}, headers=headers)
    assert list(Callback.objects.values_list("id", "state", "owner_id")) == before
    assert WEDNESDAY  # the queue's day

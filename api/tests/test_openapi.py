"""The OpenAPI description at /api/openapi.json tells the truth: it describes every route and
every parameter the API takes (and no other), and every answer the tests provoke — successes and
errors — validates against the schema it describes for that route and status."""

import datetime as dt
import re

import pytest
from django.urls import URLPattern
from jsonschema import Draft202012Validator

from api import urls as api_urls
from monitoring.callbacks import derive
from monitoring.models import LiveCall
from monitoring.tests.callback_data import at, missed
from monitoring.tests.dashboard_data import make_day
from monitoring.tests.factories import live_snapshot, make_call

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")  # no token: the description is public
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://testserver/api"}]
    return document


def _openapi_path(pattern: URLPattern) -> str:
    path = "/" + re.sub(r"<(?:\w+:)?pk>", "{id}", str(pattern.pattern))
    return path


def test_every_route_is_described_and_nothing_else(spec):
    routes = {_openapi_path(p) for p in api_urls.urlpatterns if p.name}
    assert routes == set(spec["paths"])
    for path, item in spec["paths"].items():
        assert set(item) - {"parameters"} == {"get"}, path


def _parameters(spec, path) -> dict:
    item = spec["paths"][path]
    listed = item.get("parameters", []) + item["get"].get("parameters", [])
    return {p["name"]: p for p in listed if p["in"] == "query"}


def _example(parameter) -> str:
    schema = parameter["schema"]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("format") == "date":
        return "2026-03-10"
    if schema.get("type") == "integer":
        return "1"
    return "x"


DATA_PATHS = ["/calls/", "/calls/{id}/", "/callbacks/", "/figures/", "/live/"]


def test_every_described_parameter_is_taken_and_no_other(spec, api, token_of, supervisor_user,
                                                         pbx):  # fmt: skip
    call = make_call(pbx)
    token = token_of(supervisor_user)
    for path in DATA_PATHS:
        url = "/api" + path.replace("{id}", str(call.pk))
        for name, parameter in _parameters(spec, path).items():
            if name == "cursor":
                continue  # only a `next` link makes one (below)
            response = api(url, token, **{name: _example(parameter)})
            code = response.json().get("error", {}).get("code")
            assert code != "unknown_parameters", (path, name)
        response = api(url, token, undocumented="1")
        assert response.json()["error"]["code"] == "unknown_parameters", path
    make_call(pbx)
    calls_page = api("/api/calls/", token, period="custom", start="2026-03-10", end="2026-03-10",
                     limit="1").json()  # fmt: skip
    assert "cursor=" in calls_page["next"]
    assert api(calls_page["next"], token).status_code == 200


def _validate(spec, path: str, response) -> None:
    answers = spec["paths"][path]["get"]["responses"]
    status = str(response.status_code)
    assert status in answers, (path, status)
    schema = answers[status]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert errors == [], (path, status, [e.message for e in errors[:3]])


@pytest.fixture
def world(pbx, supervisor_user):
    make_day(pbx, DAY)
    missed(pbx, at("09:00"), "+998901111111")
    missed(pbx, at("09:10"), "+998902222222")
    derive.rebuild()
    snapshot = live_snapshot(pbx)
    LiveCall.objects.create(snapshot=snapshot, from_number="+998901234567", to_number="101",
                            extension="101", state="Talking", total_seconds=30,
                            started_at=dt.datetime.now(dt.UTC))  # fmt: skip


def test_every_answer_validates_against_its_schema(spec, api, token_of, world, supervisor_user,
                                                   operator_user, settings):  # fmt: skip
    from monitoring.models import Call

    checked = set()
    day = {"period": "custom", "start": DAY.isoformat(), "end": DAY.isoformat()}
    for user in (supervisor_user, operator_user):
        token = token_of(user)
        call = Call.objects.filter(extension="101").first()
        cases = [
            ("/calls/", "/api/calls/", {**day, "limit": "3"}),
            ("/calls/", "/api/calls/", {"status": "lost"}),
            ("/calls/", "/api/calls/", {"wrong": "1"}),
            ("/calls/{id}/", f"/api/calls/{call.pk}/", {}),
            ("/calls/{id}/", "/api/calls/999999/", {}),
            ("/callbacks/", "/api/callbacks/", {"state": "all"}),
            ("/callbacks/", "/api/callbacks/", {"state": "closed", "limit": "1"}),
            ("/callbacks/", "/api/callbacks/", {"page": "0"}),
            ("/figures/", "/api/figures/", {"date": DAY.isoformat()}),
            ("/figures/", "/api/figures/", {"date": "2026-01-01"}),
            ("/figures/", "/api/figures/", {"date": "10.03.2026"}),
            ("/live/", "/api/live/", {}),
        ]
        for path, url, params in cases:
            response = api(url, token, **params)
            _validate(spec, path, response)
            checked.add((path, response.status_code))
    for path in DATA_PATHS:
        url = "/api" + path.replace("{id}", "1")
        for response in (api(url), api(url, "kcm_unknown-token-of-no-one-at-all"),
                         api.client.post(url)):  # fmt: skip
            _validate(spec, path, response)
            checked.add((path, response.status_code))
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    token = token_of(supervisor_user, name="Busy")
    api("/api/live/", token)
    limited = api("/api/live/", token)
    _validate(spec, "/live/", limited)
    checked.add(("/live/", limited.status_code))
    expected = {(path, status) for path in DATA_PATHS for status in (200, 401, 405)}
    expected |= {("/calls/", 400), ("/calls/{id}/", 404), ("/callbacks/", 400),
                 ("/figures/", 400), ("/live/", 429)}  # fmt: skip
    assert expected <= checked


def test_a_forbidden_answer_validates_too(spec, api, token_of, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-Long-pass-1")
    _validate(spec, "/calls/", api("/api/calls/", token_of(nobody)))

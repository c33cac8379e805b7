"""When the database does not answer, pages say so plainly (503) instead of a server error."""

import socket

import pytest
from django.db import connections
from django.test import Client

from accounts.roles import Role
from accounts.testing import make_user


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down(transactional_db):
    """For the test, the default connection points where no database answers; the test
    database's own connection is set aside untouched and put back afterwards."""
    working = connections["default"]
    unreachable = dict(working.settings_dict)
    if working.vendor == "sqlite":
        unreachable["NAME"] = "/nonexistent-directory/db.sqlite3"
    else:
        unreachable.update(HOST="127.0.0.1", PORT=str(closed_port()))
    connections["default"] = type(working)(unreachable, alias="default")
    yield
    connections["default"].close()
    connections["default"] = working


@pytest.fixture
def supervisor(transactional_db):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("sardor", Role.SUPERVISOR))
    return client


def test_health_says_the_database_is_unreachable(supervisor, database_down):
    response = supervisor.get("/health/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "<h1>Database unreachable</h1>" in page
    assert "DATABASE_URL" in page


@pytest.mark.default_language
def test_it_speaks_the_default_language(supervisor, database_down):
    page = supervisor.get("/health/").content.decode()
    assert "Ma'lumotlar bazasi bilan aloqa yo'q" in page


def test_other_server_errors_stay_plain_server_errors(supervisor, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug, not the database")

    monkeypatch.setattr("monitoring.views.health.checks.pbx_health", broken)
    response = supervisor.get("/health/")
    assert response.status_code == 500
    assert "Database unreachable" not in response.content.decode()

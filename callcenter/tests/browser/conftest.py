"""A day in the life for the whole-product browser tests: a PBX served by the Kerio simulator
and synced for real (so its directory names the agents), calls today, live calls with long
names, and a failed sync with a long error; tabs signed in as each role at a chosen size."""

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.testing import make_user
from browser_fixtures import signed_in_cookie
from monitoring.models import Call, LiveCall, LiveSnapshot, SyncRun
from monitoring.sync import sync_pbx
from providers.testing import simulator_connection

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LONG_ERROR = (
    "Login failed: the PBX answered “Invalid user name or password” for user "
    "api-reader-with-a-very-long-name@callcenter.example.uz after 3 attempts; "
    + "the address https://pbx.branch-office.example.uz:4021/admin/api/jsonrpc/ "
    * 3
)


@pytest.fixture
def world(make_kerio_simulator):
    """Returns the PBX, one call's pk and the users of each role."""
    simulator = make_kerio_simulator(history_size=400, days=2, now=time.time())
    pbx = simulator_connection(simulator, name="Bosh ofis")
    sync_pbx(pbx)
    now = timezone.now()
    snapshot = LiveSnapshot.objects.create(pbx=pbx, taken_at=now, is_stale=False)
    for index, (number, name, extension) in enumerate(
        [
            ("+998901234567", "OOO Baraka Savdo Toshkent filiali", "101"),
            ("+998935551122", "Shoira opa", "102"),
            ("+998977778899", "", "103"),
            ("+998712345678", "Ravshan aka — ulgurji savdo bo'limi", "104"),
        ]
    ):
        LiveCall.objects.create(
            snapshot=snapshot, from_number=number, from_name=name, to_number=extension,
            to_name="Dilnoza Karimova", extension=extension, direction="inbound",
            state="talking" if index % 2 else "ringing", total_seconds=3725 + index,
            talk_seconds=3600, started_at=now - dt.timedelta(seconds=3725),
        )  # fmt: skip
    SyncRun.objects.create(
        pbx=pbx, outcome=SyncRun.Outcome.FAILED, error=LONG_ERROR, finished_at=now
    )
    users = {
        "administrator": make_user("aziza", Role.ADMINISTRATOR, is_staff=True),
        "supervisor": make_user("sardor", Role.SUPERVISOR),
        "operator": make_user("olga", Role.OPERATOR, extensions="101, 102", pbx=pbx),
    }
    call = Call.objects.filter(pbx=pbx).order_by("-started_at").first()
    return {"pbx": pbx, "call": call.pk, "users": users}


@pytest.fixture
def tab(browser, live_server, world):
    """tab(role, viewport, language="uz"): a signed-in tab; closed after the test."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    contexts = []

    def open_tab(role: str, viewport: dict, language: str = "uz"):
        context = browser.new_context(viewport=viewport, locale=language)
        context.set_default_timeout(15_000)
        context.add_cookies([signed_in_cookie(world["users"][role], live_server.url)])
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )

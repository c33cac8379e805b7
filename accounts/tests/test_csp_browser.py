"""In a real browser, the main pages run under the Content-Security-Policy without violating it:
no inline script or style attribute the policy forbids, no outside resource."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.models import Call, LiveCall, SyncRun
from monitoring.tests.factories import live_snapshot
from providers.models import SipTrunk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reports every violation to the console, whatever the browser's own message says.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def world(transactional_db, pbx):
    SipTrunk.objects.create(name="Bell", server="bell.uz", login="l", password="p")
    now = timezone.now() - dt.timedelta(minutes=10)
    call = Call.objects.create(
        pbx=pbx,
        key="k1",
        started_at=now,
        direction="inbound",
        status="answered",
        from_number="+998901234567",
        to_number="101",
        extension="101",
        external_number="901234567",
        total_seconds=60,
        talk_seconds=40,
        wait_seconds=20,
        raw={"FROM_NUM": "+998901234567"},
    )
    snapshot = live_snapshot(pbx, age=dt.timedelta(0))
    LiveCall.objects.create(
        snapshot=snapshot, from_number="901112233", to_number="102", state="ringing"
    )
    SyncRun.objects.create(pbx=pbx, outcome=SyncRun.Outcome.SUCCESS, finished_at=timezone.now())
    return {"pbx": pbx, "call": call}


def test_the_main_pages_report_no_csp_violation(logged_in_page, live_server, world):
    page = logged_in_page
    messages = []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    page.on("pageerror", lambda error: messages.append(("pageerror", str(error))))
    page.add_init_script(REPORT_VIOLATIONS)
    urls = [
        reverse("dashboard"),
        reverse("call_list"),
        reverse("call_detail", args=[world["call"].pk]),
        reverse("settings"),
        reverse("pbx_edit", args=[world["pbx"].pk]),
        reverse("sip_trunk_list"),
        reverse("sync_run_list", args=[world["pbx"].pk]),
        reverse("health"),
        reverse("queues"),
        reverse("agent_list"),
        reverse("agent_detail", args=[world["pbx"].pk, "101"]),
    ]
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.url == live_server.url + url  # not bounced to login
    # The scripts really ran: htmx loaded, so a violation would have been reported.
    assert page.evaluate("typeof window.htmx") == "object"
    problems = [
        text
        for kind, text in messages
        if kind in ("error", "pageerror") or "Content Security Policy" in text
    ]
    assert problems == []

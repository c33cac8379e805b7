"""Who may open what: every URL the project defines, walked for each standing user.

The expectations are written out here, by hand, independent of accounts.rules: a new URL makes
`test_it_has_an_expectation_for_every_url` fail until it gets a row below and a rule there.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.roles import Role
from accounts.rules import PUBLIC, RULES
from accounts.testing import make_user
from monitoring.analytics.links import create_link
from monitoring.callbacks import derive
from monitoring.models import Call, Callback, CallStatus, Direction, ExportJob, SyncRun
from providers.kerio.simulator.demo import ANSWERED, EXTERNAL, LINE
from providers.models import PbxConnection, SipTrunk
from providers.services import save_pbx_connection

# URL names left out of the walk: Django's admin guards itself; the language switch is a POST
# that anyone may send.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"set_language"}

LOGIN = "login"  # anonymous visitors are sent to the login page
DENIED = 403
NOT_FOUND = 404
UNAUTHORIZED = 401
OK, POST_ONLY = 200, 405


def redirect_to(name):
    """A redirect that is not to the login page, to the named page."""
    return ("redirect", name)


def from_role(least: str, answer) -> dict:
    """The row of a page that needs `least`: below it 403, at or above it `answer`."""
    order = ["operator", "supervisor", "administrator"]
    row = {"anonymous": LOGIN}
    for role in order:
        row[role] = answer if order.index(role) >= order.index(least) else DENIED
    return row


EVERYONE = {"anonymous": OK, "operator": OK, "supervisor": OK, "administrator": OK}

EXPECTED = {
    "login": EVERYONE,
    "logout": from_role("operator", POST_ONLY),
    "password_change": from_role("operator", OK),
    "password_change_done": from_role("operator", OK),
    "dashboard": from_role("operator", OK),
    "live_calls": from_role("operator", OK),
    "call_list": from_role("operator", OK),
    "call_export_csv": from_role("operator", OK),
    "call_export_xlsx": from_role("operator", OK),
    "call_detail": from_role("operator", OK),
    # An export is its requester's alone (here the administrator's): to others it does not exist.
    "export_job": {**from_role("operator", NOT_FOUND), "administrator": OK},
    "export_download": {**from_role("operator", NOT_FOUND), "administrator": OK},
    # Without htmx the player lives on the detail page.
    "call_recording": from_role("operator", redirect_to("call_detail")),
    "call_recording_audio": from_role("operator", OK),
    "number_history": from_role("operator", OK),
    "callback_list": from_role("operator", OK),
    "callback_claim": from_role("operator", POST_ONLY),
    "callback_outcome": from_role("operator", POST_ONLY),
    "callback_assign": from_role("supervisor", POST_ONLY),
    "health": from_role("supervisor", OK),
    "sync_run_list": from_role("supervisor", OK),
    "sync_now": from_role("administrator", POST_ONLY),
    "pbx_diagnostics": from_role("administrator", OK),
    "settings": from_role("administrator", OK),
    "sip_trunk_list": from_role("administrator", OK),
    "sip_trunk_create": from_role("administrator", OK),
    "sip_trunk_edit": from_role("administrator", OK),
    "sip_trunk_delete": from_role("administrator", OK),
    "pbx_list": from_role("administrator", OK),
    "pbx_create": from_role("administrator", OK),
    "pbx_check_new": from_role("administrator", POST_ONLY),
    "pbx_edit": from_role("administrator", OK),
    "pbx_check": from_role("administrator", POST_ONLY),
    "pbx_delete": from_role("administrator", OK),
    "user_list": from_role("administrator", OK),
    "user_create": from_role("administrator", OK),
    "user_edit": from_role("administrator", OK),
    "user_reset_password": from_role("administrator", POST_ONLY),
    "user_set_active": from_role("administrator", POST_ONLY),
    "pbx_trust_certificate": from_role("administrator", POST_ONLY),
    "heatmap": from_role("operator", OK),
    "callers": from_role("operator", OK),
    "queues": from_role("supervisor", OK),
    "agent_list": from_role("operator", OK),
    # The world's agent is 101 on its PBX, one of the standing operator's extensions.
    "agent_detail": from_role("operator", OK),
    "agent_export_csv": from_role("supervisor", OK),
    "agent_export_xlsx": from_role("supervisor", OK),
    "wallboard": from_role("supervisor", OK),
    # The link's own secret opens it for anyone; no role adds to it.
    "wallboard_link": EVERYONE,
    "wallboard_settings": from_role("administrator", OK),
    "wallboard_link_revoke": from_role("administrator", POST_ONLY),
    "notification_settings": from_role("administrator", OK),
    "notification_log": from_role("administrator", OK),
    "notification_channel_create": from_role("administrator", OK),
    "notification_channel_edit": from_role("administrator", OK),
    "notification_channel_test": from_role("administrator", POST_ONLY),
    "notification_link_code": from_role("administrator", POST_ONLY),
    "notification_rule_edit": from_role("administrator", OK),
    "api_tokens": from_role("administrator", OK),
    # The JSON API answers a token only, never a session (api/tests walk its tokens' roles); its
    # description is public.
    **{
        name: dict.fromkeys(("anonymous", "operator", "supervisor", "administrator"), UNAUTHORIZED)
        for name in ("api_calls", "api_call", "api_callbacks", "api_figures", "api_live")
    },
    "api_openapi": EVERYONE,
}


def _named_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


URLS = dict(_named_patterns())
WALKED = sorted(name for name in URLS if name not in SKIPPED_NAMES)


def test_it_has_an_expectation_for_every_url():
    assert set(WALKED) == set(EXPECTED), "add the new page to EXPECTED and to accounts.rules"


def test_every_url_has_an_explicit_rule():
    missing = [name for name in WALKED if name not in RULES and name not in PUBLIC]
    assert missing == [], "give these pages a rule in accounts.rules.RULES"


@pytest.fixture
def world(make_kerio_simulator, administrator_user, settings, tmp_path):
    """Real objects for the URLs' arguments: a PBX (the simulator, so a recording can be
    played), a SIP trunk, a call of extension 101 that has a recording, a sync run, and the
    administrator's finished export."""
    simulator = make_kerio_simulator(history_size=0, recording_share=1.0)
    start = int((timezone.now() - dt.timedelta(hours=1)).timestamp())
    simulator.add_history(
        [
            {
                "TIMESTAMP": start,
                "FROM_NUM": "+998901234567",
                "FROM_NAME": "",
                "TO_NUM": "101",
                "TO_NAME": "",
                "CALL_DURATION": 40,
                "ANSWERED_DURATION": 30,
                "STATUS": ANSWERED,
                "FROM_TYPE": EXTERNAL,
                "TO_TYPE": LINE,
            }
        ]
    )
    pbx = save_pbx_connection(
        "Main",
        password=simulator.config.password,
        host=simulator.host,
        port=simulator.port,
        username=simulator.config.username,
        ca_file=simulator.ca_file,
        timeout_seconds=5,
    )
    trunk = SipTrunk.objects.create(name="Bell", server="bell.uz", login="u", password="p")
    call = Call.objects.create(
        pbx=pbx,
        key="access-table",
        started_at=dt.datetime.fromtimestamp(start, dt.UTC),
        direction=Direction.INBOUND,
        from_number="+998901234567",
        to_number="101",
        extension="101",
        external_number="901234567",
        status=CallStatus.ANSWERED,
        status_code=4,
        total_seconds=40,
        talk_seconds=30,
        wait_seconds=10,
        raw={},
    )
    run = SyncRun.objects.create(pbx=pbx, outcome=SyncRun.Outcome.SUCCESS)
    settings.VAR_DIR = tmp_path
    export = ExportJob.objects.create(
        user=administrator_user, filename="calls.xlsx", status=ExportJob.Status.DONE
    )
    export.path.parent.mkdir(parents=True)
    export.path.write_bytes(b"a workbook")
    Call.objects.create(
        pbx=pbx, key="access-table-missed", started_at=call.started_at, raw={},
        direction=Direction.INBOUND, status=CallStatus.NO_ANSWER, external_number="935554433",
    )  # fmt: skip
    derive.rebuild()
    person = make_user("bahrom", Role.OPERATOR, extensions="103", pbx=pbx)
    link, token = create_link("Hall TV")
    channel = apps.get_model("alerts", "Channel").objects.create(kind="email", name="Mail")
    return {
        "pk": {
            "sip": trunk.pk,
            "kerio": pbx.pk,
            "calls": call.pk,
            "exports": export.pk,
            "callbacks": Callback.objects.get().pk,
            "users": person.pk,
            "wallboard": link.pk,
            "channels": channel.pk,
        },
        "kind": "missed_call",
        "pbx_id": pbx.pk,
        "extension": "101",
        "number": "901234567",
        "run": run,
        "token": token,
    }


@pytest.fixture
def pbx(world):
    """The standing operator works on the world's PBX."""
    return PbxConnection.objects.get(pk=world["pbx_id"])


def url_for(name, world) -> str:
    kwargs = {}
    for key in URLS[name].pattern.converters:
        if key == "pk":
            section = str(URLS[name].pattern).split("/")[0]
            kwargs[key] = world["pk"][section]
        else:
            kwargs[key] = world[key]
    return reverse(name, kwargs=kwargs)


def check(response, expected, world) -> str | None:
    """None when the response is the expected answer, else what was wrong."""
    status = response.status_code
    location = response.get("Location", "")
    if expected == LOGIN:
        if status == 302 and location.startswith(reverse("login")):
            return None
        return f"expected a redirect to login, got {status} {location}"
    if isinstance(expected, tuple):
        target = reverse(expected[1], kwargs={"pk": world["pk"]["calls"]})
        if status == 302 and location.startswith(target):
            return None
        return f"expected a redirect to {target}, got {status} {location}"
    if status != expected:
        return f"expected {expected}, got {status} {location}"
    return None


@pytest.mark.django_db
def test_it_answers_each_role_as_the_table_says(world, role_client):
    wrong = []
    for role in ("anonymous", "operator", "supervisor", "administrator"):
        client = role_client(role)
        for name in WALKED:
            url = url_for(name, world)
            response = client.get(url)
            problem = check(response, EXPECTED[name][role], world)
            if problem:
                wrong.append(f"{role:>13} {name} ({url}): {problem}")
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # read to the end, as a browser would
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
def test_a_denied_page_says_nothing_of_its_content(world, operator_client):
    response = operator_client.get(reverse("pbx_edit", args=[world["pbx_id"]]))
    assert response.status_code == 403
    assert b"Main" not in response.content.replace(b"Main menu", b"")  # the layout's menu
    assert b"No access" in response.content  # the styled page, not a bare "403 Forbidden"
    assert world["run"].pbx.host.encode() not in response.content


@pytest.mark.django_db
def test_it_allows_post_only_pages_by_role(world, role_client):
    """The POST-only endpoints refuse operators and supervisors before doing anything."""
    for role in ("operator", "supervisor"):
        client = role_client(role)
        response = client.post(reverse("sync_now", args=[world["pbx_id"]]))
        assert response.status_code == 403, role
        response = client.post(reverse("pbx_check", args=[world["pbx_id"]]))
        assert response.status_code == 403, role
    assert not SyncRun.objects.exclude(pk=world["run"].pk).exists()
    assert not AuditEntry.objects.filter(action__in=["sync_now", "check"]).exists()

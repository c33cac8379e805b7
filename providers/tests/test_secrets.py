"""PBX and SIP passwords: encrypted at rest, never rendered into a page, never logged, and
re-encrypted by rotate_encryption_key."""

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import AuditEntry
from monitoring.analytics.links import create_link
from monitoring.callbacks import derive
from monitoring.models import Call, Callback, ExportJob, SyncRun
from monitoring.sync import SyncFailed, sync_pbx
from providers.models import PbxConnection, SipTrunk
from providers.services import save_pbx_connection
from providers.testing import simulator_connection

PBX_SECRET = "Pbx-Plain-Secret-4821"
SIP_SECRET = "Sip-Plain-Secret-9173"
WRONG_SECRET = "Wrong-Typed-Secret-5530"


pytestmark = pytest.mark.usefixtures("quick_retries")


@pytest.fixture
def secrets_saved(db):
    pbx = save_pbx_connection(
        "Main", password=PBX_SECRET, host="127.0.0.1", port=1, username="api", timeout_seconds=2
    )
    trunk = SipTrunk.objects.create(
        name="Bell", server="bell.uz", login="sip-login", password=SIP_SECRET
    )
    return pbx, trunk


def raw_column(model, pk) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


# -- At rest ---------------------------------------------------------------------------------------


def test_it_stores_the_passwords_encrypted(secrets_saved):
    pbx, trunk = secrets_saved
    saved = ((PbxConnection, pbx.pk, PBX_SECRET), (SipTrunk, trunk.pk, SIP_SECRET))
    for model, pk, secret in saved:
        stored = raw_column(model, pk)
        assert secret not in stored
        assert stored.startswith("gAAAA")  # a Fernet token
        assert Fernet(settings.FIELD_ENCRYPTION_KEY[0]).decrypt(stored.encode()).decode() == secret
        assert model.objects.get(pk=pk).password == secret


def test_the_settings_form_stores_the_password_encrypted(administrator_client, db):
    administrator_client.post(
        reverse("sip_trunk_create"),
        {
            "name": "Typed",
            "server": "bell.uz",
            "login": "l",
            "password": SIP_SECRET,
            "port": "5060",
            "transport": "udp",
        },
    )
    trunk = SipTrunk.objects.get(name="Typed")
    assert SIP_SECRET not in raw_column(SipTrunk, trunk.pk)
    assert trunk.password == SIP_SECRET


# -- Never rendered --------------------------------------------------------------------------------


def _get_pages(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _get_pages(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, entry


@pytest.fixture
def rendered_world(secrets_saved, admin_user):
    pbx, trunk = secrets_saved
    call = Call.objects.create(
        pbx=pbx, key="k", started_at=timezone.now(), extension="101", raw={"X": 1}
    )
    SyncRun.objects.create(pbx=pbx, outcome=SyncRun.Outcome.FAILED, error="Login failed")
    export = ExportJob.objects.create(user=admin_user, filename="calls.xlsx")
    Call.objects.create(
        pbx=pbx, key="missed", started_at=timezone.now(), direction="inbound", status="no_answer",
        external_number="901234567", raw={},
    )  # fmt: skip
    derive.rebuild()
    link, token = create_link("Hall TV")
    channel = apps.get_model("alerts", "Channel").objects.create(
        kind="telegram", name="Bot", bot_token=PBX_SECRET
    )
    return {
        "channels": channel.pk,
        "kind": "missed_call",
        "sip": trunk.pk,
        "kerio": pbx.pk,
        "calls": call.pk,
        "exports": export.pk,
        "callbacks": Callback.objects.get().pk,
        "users": admin_user.pk,
        "wallboard": link.pk,
        "token": token,
        "pbx_id": pbx.pk,
        "extension": "101",
    }


def _url(name, pattern, world):
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "pk":
            kwargs[key] = world[str(pattern.pattern).split("/")[0]]
        elif key == "number":
            kwargs[key] = "901234567"
        else:
            kwargs[key] = world[key]
    return reverse(name, kwargs=kwargs)


def assert_no_secret(content: bytes, where: str):
    for secret in (PBX_SECRET, SIP_SECRET):
        assert secret.encode() not in content, f"{secret} rendered on {where}"


def test_no_page_renders_a_password(admin_client, rendered_world):
    seen = 0
    for name, pattern in _get_pages():
        if name in ("call_recording_audio", "logout", "set_language"):
            continue  # a stream from the PBX (unreachable here), and POST-only actions
        url = _url(name, pattern, rendered_world)
        response = admin_client.get(url)
        content = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        )
        assert_no_secret(content, url)
        seen += response.status_code == 200
    assert seen >= 15


@pytest.mark.parametrize("model", [PbxConnection, SipTrunk])
def test_no_admin_page_renders_a_password(admin_client, rendered_world, model):
    pk = rendered_world["kerio" if model is PbxConnection else "sip"]
    label = f"admin:providers_{model._meta.model_name}"
    for url in (
        reverse(f"{label}_changelist"),
        reverse(f"{label}_changelist") + "?q=a",
        reverse(f"{label}_add"),
        reverse(f"{label}_change", args=[pk]),
        reverse(f"{label}_history", args=[pk]),
        reverse(f"{label}_delete", args=[pk]),
        reverse("admin:accounts_auditentry_changelist"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content, url)


def test_a_form_redisplayed_with_errors_does_not_echo_the_typed_password(administrator_client, db):
    response = administrator_client.post(
        reverse("pbx_create"),
        {"name": "", "host": "not a host!", "port": "0", "username": "", "password": PBX_SECRET},
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert_no_secret(response.content, "the PBX form with errors")
    response = administrator_client.post(
        reverse("sip_trunk_create"), {"name": "", "server": "", "password": SIP_SECRET}
    )
    assert b"errorlist" in response.content
    assert_no_secret(response.content, "the SIP form with errors")


# -- Never logged ----------------------------------------------------------------------------------


def everything_written(caplog) -> str:
    """Every log line, formatted with its arguments and any traceback."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def assert_nowhere(secret: str, caplog):
    assert secret not in everything_written(caplog)
    for pbx in PbxConnection.objects.all():
        assert secret not in pbx.sync_state.last_error
        assert secret not in pbx.last_check_message
    for run in SyncRun.objects.all():
        assert secret not in run.error
    for entry in AuditEntry.objects.all():
        assert secret not in f"{entry.changes} {entry.message} {entry.object_repr}"


def test_a_sync_whose_login_fails_logs_no_password(kerio_simulator, caplog, db):
    pbx = save_pbx_connection(
        "Sim",
        password=WRONG_SECRET,
        host=kerio_simulator.host,
        port=kerio_simulator.port,
        username=kerio_simulator.config.username,
        ca_file=kerio_simulator.ca_file,
        timeout_seconds=5,
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SyncFailed):
        sync_pbx(pbx)
    pbx.refresh_from_db()
    assert pbx.sync_state.last_error  # the failure was recorded, in words
    assert len(caplog.records) > 0
    assert_nowhere(WRONG_SECRET, caplog)
    assert_nowhere(kerio_simulator.config.password, caplog)


def test_a_check_with_a_wrong_password_logs_no_password(
    administrator_client, kerio_simulator, caplog, db
):
    pbx = save_pbx_connection(
        "Sim",
        password=WRONG_SECRET,
        host=kerio_simulator.host,
        port=kerio_simulator.port,
        username=kerio_simulator.config.username,
        ca_file=kerio_simulator.ca_file,
        timeout_seconds=5,
    )
    caplog.set_level(logging.DEBUG)
    # The saved connection, then the form's unsaved values with another wrong password.
    response = administrator_client.post(reverse("pbx_check", args=[pbx.pk]))
    assert response.status_code == 200
    assert_no_secret(response.content, "the check")
    typed = "Typed-Wrong-Secret-1234"
    response = administrator_client.post(
        reverse("pbx_check", args=[pbx.pk]),
        {
            "name": "Sim",
            "host": kerio_simulator.host,
            "port": str(kerio_simulator.port),
            "username": kerio_simulator.config.username,
            "password": typed,
            "use_tls": "on",
            "verify_tls": "on",
            "ca_file": kerio_simulator.ca_file,
            "timeout_seconds": "5",
            "enabled": "on",
            "internal_number_pattern": r"^\d{2,5}$",
        },
    )
    assert typed.encode() not in response.content
    pbx.refresh_from_db()
    assert pbx.last_check_ok is False
    assert AuditEntry.objects.filter(action="check").count() == 2
    assert len(caplog.records) > 0
    for secret in (WRONG_SECRET, typed, kerio_simulator.config.password):
        assert_nowhere(secret, caplog)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param("echo_result", id="login answered without a token"),
        pytest.param("echo_error", id="login refused with the parameters in the message"),
    ],
)
def test_a_login_answer_echoing_the_parameters_leaks_no_password(
    administrator_client, kerio_simulator, caplog, db, fault
):
    """A confused server repeats what it was sent, the password among it: no error text, log
    line, stored message or page may carry it on."""
    secret = kerio_simulator.config.password
    pbx = simulator_connection(kerio_simulator)
    kerio_simulator.faults.fail_method("Session.login", 20, fault)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SyncFailed) as failure:
        sync_pbx(pbx)
    assert secret not in str(failure.value)
    response = administrator_client.post(reverse("pbx_check", args=[pbx.pk]))
    assert response.status_code == 200
    assert secret.encode() not in response.content
    pbx.refresh_from_db()
    assert pbx.sync_state.last_error and pbx.last_check_ok is False
    assert any("Session.login" in record.getMessage() for record in caplog.records)
    assert_nowhere(secret, caplog)


# -- Key rotation ----------------------------------------------------------------------------------

ROOT = Path(settings.BASE_DIR)
OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))
SAVE = (
    "from providers.models import PbxConnection, SipTrunk; "
    f"PbxConnection.objects.create(name='P', host='pbx.example.uz', username='u', "
    f"password='{PBX_SECRET}'); "
    f"SipTrunk.objects.create(name='S', server='bell.uz', login='l', password='{SIP_SECRET}')"
)
READ = (
    "from providers.models import PbxConnection, SipTrunk; "
    "print(PbxConnection.objects.get().password); print(SipTrunk.objects.get().password)"
)


def manage(tmp_path, key: str, *args) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "FIELD_ENCRYPTION_KEY", "REDIS_URL", "VAR_DIR"}
    }
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        FIELD_ENCRYPTION_KEY=key,
        LOG_FILE="",
        LANGUAGE_CODE="en",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def stored(tmp_path) -> dict:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        return {
            table: db.execute(f"SELECT password FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("providers_pbxconnection", "providers_siptrunk")
        }


@pytest.fixture
def old_database(tmp_path):
    """A file database whose secrets were saved under OLD."""
    result = manage(tmp_path, OLD, "migrate", "--no-input")
    assert result.returncode == 0, result.stderr
    result = manage(tmp_path, OLD, "shell", "--no-imports", "-c", SAVE)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_rotation_re_encrypts_every_secret_with_the_new_key(old_database):
    before = stored(old_database)

    result = manage(old_database, f"{NEW},{OLD}", "rotate_encryption_key")

    assert result.returncode == 0, result.stderr
    assert "Re-encrypted 2 stored password(s)" in result.stdout
    after = stored(old_database)
    for table, token in after.items():
        assert token != before[table]
        assert PBX_SECRET not in token and SIP_SECRET not in token
    # The old key can go: the new one alone reads every secret.
    result = manage(old_database, NEW, "shell", "--no-imports", "-c", READ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [PBX_SECRET, SIP_SECRET]


def test_without_rotation_the_new_key_alone_cannot_read_the_secrets(old_database):
    result = manage(old_database, NEW, "shell", "--no-imports", "-c", READ)
    assert PBX_SECRET not in result.stdout


def test_rotation_with_a_key_that_cannot_decrypt_changes_nothing(old_database):
    before = stored(old_database)

    result = manage(old_database, f"{NEW},{OTHER}", "rotate_encryption_key")

    assert result.returncode != 0
    assert "no configured key can decrypt it" in result.stderr
    assert "Traceback" not in result.stderr
    assert stored(old_database) == before
    assert manage(old_database, OLD, "shell", "--no-imports", "-c", READ).stdout.split() == [
        PBX_SECRET,
        SIP_SECRET,
    ]


def test_a_failed_rotation_rolls_back_what_it_had_already_re_encrypted(old_database):
    """The connection decrypts under OLD, the SIP record (saved under OTHER) does not."""
    code = (
        "from providers.models import SipTrunk; t = SipTrunk.objects.get(); "
        f"t.password = '{SIP_SECRET}'; t.save()"
    )
    assert manage(old_database, OTHER, "shell", "--no-imports", "-c", code).returncode == 0
    before = stored(old_database)

    result = manage(old_database, f"{NEW},{OLD}", "rotate_encryption_key")

    assert result.returncode != 0
    assert "SIP provider #" in result.stderr
    assert stored(old_database) == before

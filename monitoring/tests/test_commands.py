"""sync_kerio, kerio_setup and export_calls: plain messages, exit codes, no password echoed."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from monitoring.models import Call, SyncRun, SyncState
from monitoring.tests.factories import connect
from providers.models import PbxConnection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_retries")]


def run(*args, stdin=None, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# -- sync_kerio -------------------------------------------------------------------------------


def test_sync_kerio_prints_progress_and_a_summary(kerio_simulator, settings):
    settings.SYNC_PAGE_SIZE = 50
    connect(kerio_simulator)

    out, _err = run("sync_kerio")

    assert "page 1," in out and "/s)" in out
    assert "200 fetched, 200 new, 0 updated, 0 rejected" in out
    assert SyncRun.objects.get().trigger == SyncRun.Trigger.COMMAND


def test_sync_kerio_dry_run_and_since(kerio_simulator):
    connect(kerio_simulator)

    out, _err = run("sync_kerio", "--pbx", "PBX", "--full", "--since", "2025-12-31", "--dry-run")

    assert "dry run" in out
    assert not Call.objects.exists()


def test_sync_kerio_fails_with_the_plain_reason(kerio_simulator):
    pbx = connect(kerio_simulator)
    pbx.password = "Not-The-Password-9"
    pbx.save()

    with pytest.raises(CommandError) as failure:
        run("sync_kerio", "--pbx", "PBX")

    assert "Login failed" in str(failure.value)
    assert "Not-The-Password-9" not in str(failure.value)


def test_sync_kerio_says_when_a_sync_is_already_running(kerio_simulator):
    pbx = connect(kerio_simulator)
    SyncState.objects.filter(pk=pbx.pk).update(
        lock_until=timezone.now() + timezone.timedelta(minutes=1)
    )
    with pytest.raises(CommandError, match="already running"):
        run("sync_kerio")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pbx", "Nope"], "no PBX called"),
        (["--since", "31.12.2025"], "YYYY-MM-DD"),
        ([], "No enabled PBX"),
    ],
)
def test_sync_kerio_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("sync_kerio", *args)


# -- kerio_setup ------------------------------------------------------------------------------


def test_kerio_setup_creates_from_an_environment_variable(monkeypatch):
    monkeypatch.setenv("PBX_PASSWORD", "S3cret-Value")

    out, err = run(
        "kerio_setup", "--name", "Office", "--host", "pbx.example.uz", "--username", "admin",
        "--password-env", "PBX_PASSWORD", "--no-verify-tls",
    )  # fmt: skip

    pbx = PbxConnection.objects.get(name="Office")
    assert (pbx.host, pbx.port, pbx.password, pbx.verify_tls) == (
        "pbx.example.uz",
        4021,
        "S3cret-Value",
        False,
    )
    assert "Created" in out
    assert "S3cret-Value" not in out + err


def test_kerio_setup_updates_from_stdin_and_keeps_what_is_not_given(monkeypatch):
    PbxConnection.objects.create(
        name="Office", host="10.0.0.1", port=4444, username="a", password="old"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("New-Pass-1\n"))

    out, err = run(
        "kerio_setup", "--name", "Office", "--host", "10.0.0.2", "--username", "b",
        "--password-stdin", "--disable", "--no-tls",
    )  # fmt: skip

    pbx = PbxConnection.objects.get(name="Office")
    assert (pbx.host, pbx.port, pbx.username, pbx.password) == ("10.0.0.2", 4444, "b", "New-Pass-1")
    assert (pbx.enabled, pbx.use_tls) == (False, False)
    assert "Updated" in out and "New-Pass-1" not in out + err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "https://pbx:4021"], "without http://"),
        (["--host", "pbx.uz", "--port", "70000"], "65535"),
        (["--host", "pbx.uz", "--ca-file", "/nonexistent/ca.pem"], "does not exist"),
    ],
)
def test_kerio_setup_explains_invalid_values(monkeypatch, args, message):
    monkeypatch.setenv("PBX_PASSWORD", "S3cret-Value")
    with pytest.raises(CommandError, match=message) as failure:
        run(
            "kerio_setup", "--name", "X", "--username", "u", "--password-env", "PBX_PASSWORD", *args
        )
    assert "S3cret-Value" not in str(failure.value)
    assert not PbxConnection.objects.exists()


def test_kerio_setup_needs_a_password_for_a_new_connection_and_never_takes_it_as_an_argument():
    with pytest.raises(CommandError, match="needs a password"):
        run("kerio_setup", "--name", "X", "--host", "pbx.uz", "--username", "u")
    with pytest.raises(CommandError):
        run("kerio_setup", "--name", "X", "--host", "pbx.uz", "--username", "u", "--password", "p")
    with pytest.raises(CommandError, match="not set"):
        run(
            "kerio_setup",
            "--name",
            "X",
            "--host",
            "pbx.uz",
            "--username",
            "u",
            "--password-env",
            "NOPE_X",
        )


# -- export_calls -----------------------------------------------------------------------------


@pytest.fixture
def synced(kerio_simulator):
    from monitoring.sync import sync_pbx

    sync_pbx(connect(kerio_simulator))
    return kerio_simulator


def test_export_calls_writes_csv_of_local_days(synced):
    out, _err = run("export_calls", "--since", "2025-12-30", "--until", "2025-12-30")

    lines = out.strip().splitlines()
    assert lines[0].startswith("Start time,Direction,From")
    assert len(lines) > 2
    assert all(line.startswith("2025-12-30T") for line in lines[1:])
    local_day = Call.objects.filter(
        started_at__gte="2025-12-29T19:00:00Z", started_at__lt="2025-12-30T19:00:00Z"
    )
    assert len(lines) - 1 == local_day.count()


def test_export_calls_writes_jsonl_for_one_pbx(synced):
    out, _err = run("export_calls", "--pbx", "PBX", "--format", "jsonl")

    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 200
    assert {json.dumps(r["raw"], sort_keys=True) for r in rows} == {
        json.dumps(r, sort_keys=True) for r in synced.history_snapshot()
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--pbx", "Nope"], "no PBX"), (["--since", "2026-02-02", "--until", "2026-02-01"], "after"),
     (["--until", "tomorrow"], "YYYY-MM-DD")],
)  # fmt: skip
def test_export_calls_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("export_calls", *args)


# -- rebuild_callbacks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "summary"),
    [
        ("en", "Callbacks rebuilt: 0 rows changed."),
        ("ru", "Обратные звонки пересчитаны: изменено 0 строк."),
        ("uz", "Qayta qo'ng'iroqlar qayta tuzildi: 0 ta qator o'zgardi."),
    ],
)
def test_rebuild_callbacks_reports_in_the_runs_language(language, summary):
    with translation.override(language):
        out, _err = run("rebuild_callbacks")

    assert summary in out

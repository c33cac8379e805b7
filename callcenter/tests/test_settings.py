"""Production mode refuses to start without its secrets, and passes Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from callcenter.tests.factories import PRODUCTION

ROOT = Path(settings.BASE_DIR)


def _run(args, **env):
    full_env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEY",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            # Set by the browser tests' fixtures; never in a deployment.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION, "VAR_DIR": str(tmp_path)}
    del env["SECRET_KEY"]
    result = _run(["check"], **env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_without_the_field_encryption_key(tmp_path):
    env = {**PRODUCTION, "VAR_DIR": str(tmp_path)}
    del env["FIELD_ENCRYPTION_KEY"]
    result = _run(["check"], **env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not set" in result.stderr


def test_it_passes_the_deploy_checks_in_production(tmp_path):
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"], VAR_DIR=str(tmp_path), **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _printed_by_settings(code: str, var_dir, *, unset=()) -> list[str]:
    """The words the last line of ``code`` prints, run in a debug process with its own var/ and
    the environment variables ``unset`` removed."""
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(DEBUG="true", VAR_DIR=str(var_dir))
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"from django.conf import settings; {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip(), result.stderr
    return result.stdout.splitlines()[-1].split()


def test_its_default_language_is_uzbek_and_its_time_zone_tashkent(tmp_path):
    printed = _printed_by_settings(
        "print(settings.LANGUAGE_CODE, settings.TIME_ZONE)",
        tmp_path,
        unset={"LANGUAGE_CODE", "TIME_ZONE"},
    )
    assert printed == ["uz", "Asia/Tashkent"]


def test_it_generates_embedded_secrets_in_debug(tmp_path):
    result = _run(["check"], DEBUG="true", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").read_text().strip()
    assert (tmp_path / "field_encryption_key").stat().st_mode & 0o077 == 0


def test_the_embedded_broker_keeps_every_folder_under_var(tmp_path):
    folders = _printed_by_settings(
        "print(*(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(name, '') for name in "
        "('data_folder_in', 'data_folder_out', 'processed_folder', 'control_folder')))",
        tmp_path,
        unset={"REDIS_URL"},
    )
    assert len(folders) == 4, folders
    assert all(Path(folder).is_relative_to(tmp_path) for folder in folders), folders


def test_postgresql_connections_get_their_sort_memory_and_no_jit():
    probe = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    url = "postgres://u@db.example.uz:5432/calls?options=-c%20statement_timeout%3D60000"
    result = _run(["shell", "-v", "0", "-c", probe], DEBUG="true", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "-c", "statement_timeout=60000", "-c", "work_mem=16MB", "-c", "jit=off",
    ]  # fmt: skip
    result = _run(
        ["shell", "-v", "0", "-c", probe], DEBUG="true", DATABASE_URL=url.split("?")[0],
        DATABASE_WORK_MEM="64MB", DATABASE_JIT="true",
    )  # fmt: skip
    assert result.stdout.split() == ["-c", "work_mem=64MB", "-c", "jit=on"]

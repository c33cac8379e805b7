"""The steps `make run` takes before it starts the processes."""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.contrib.auth import get_user_model
from django.core.management import call_command

from callcenter.management.commands.start_banner import demo_login
from providers.models import PbxConnection


@pytest.mark.django_db
def test_it_creates_a_demo_administrator_once_and_prints_the_login(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    user = get_user_model().objects.get()
    assert user.is_superuser
    password = out.getvalue().split("password:")[1].split()[0]
    assert user.check_password(password)

    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert again.getvalue() == ""
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_it_starts_the_demo_pbx_when_no_real_pbx_exists(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    processes = tmp_path / "processes"
    call_command("demo_pbx", processes_file=str(processes), stdout=StringIO())
    assert processes.read_text().split() == ["web", "worker", "demopbx"]
    demo = PbxConnection.objects.get()
    assert demo.is_demo and demo.enabled
    assert demo.password  # kept encrypted, read back through the field


@pytest.mark.django_db
def test_it_leaves_the_demo_pbx_out_when_a_real_pbx_is_configured(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    PbxConnection.objects.create(name="Office", host="pbx.example.uz", username="api", password="s")
    call_command("demo_pbx", processes_file=str(tmp_path / "p"), stdout=StringIO())
    assert (tmp_path / "p").read_text().split() == ["web", "worker"]
    assert not PbxConnection.objects.filter(is_demo=True, enabled=True).exists()


@pytest.mark.django_db
def test_the_start_banner_repeats_the_demo_login_until_it_is_changed(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    password = out.getvalue().split("password:")[1].split()[0]
    assert demo_login() == ("admin", password)
    user = get_user_model().objects.get()
    user.set_password("Mine-now-123")
    user.save()
    assert demo_login() is None  # a changed password is not shown, nor the old one


def _fresh_checkout(target: Path) -> None:
    """The project's files as a new clone has them (the working tree's versions, so what is
    about to be committed is what is tested), without var/ or .env."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=settings_module.BASE_DIR, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = settings_module.BASE_DIR / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for name in ("requirements.txt", "requirements-dev.txt"):
        os.utime(target / name, (0, 0))  # the installed virtualenv is up to date


@pytest.mark.slow
def test_manage_py_sees_what_make_run_configured(tmp_path):
    """After `make run`'s set-up in a fresh clone, `manage.py sync_kerio` needs nothing typed in
    front: no "SECRET_KEY is not set"."""
    checkout = tmp_path / "clone"
    checkout.mkdir()
    _fresh_checkout(checkout)
    venv = Path(sys.prefix)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "VAR_DIR", "DJANGO_SETTINGS_MODULE"}
    }
    port = _free_port()
    env["DEMO_PBX_PORT"] = str(port)
    setup = subprocess.run(
        ["make", "setup", f"VENV={venv}"],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "DEBUG=true" in (checkout / ".env").read_text()
    python = str(venv / "bin" / "python")
    simulator = subprocess.Popen(
        [python, "manage.py", "kerio_simulator", "--port", str(port),
         "--password-file", "var/demo_pbx_password"],
        cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port)
        sync = subprocess.run(
            [python, "manage.py", "sync_kerio"],
            cwd=checkout, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
    assert sync.returncode == 0, sync.stdout + sync.stderr
    with sqlite3.connect(checkout / "var" / "db.sqlite3") as db:
        (calls,) = db.execute("SELECT COUNT(*) FROM monitoring_call").fetchone()
    assert calls > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, attempts: int = 200) -> None:
    for _attempt in range(attempts):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")

"""The production stack as shipped: `requirements.txt` alone in a fresh virtual environment, and
the processes `docker-compose.yml` starts — gunicorn (after migrate and collectstatic), a Celery
worker and a separate beat — on PostgreSQL and Redis with DEBUG off and real secrets, against the
Kerio Operator simulator, until calls are stored and System health is green; then it stops cleanly.

It creates (and drops) its own PostgreSQL database, named after the test database. The time from
start to the first stored calls is printed (see docs/BENCHMARKS.md); the sync interval is 15
seconds unless PRODUCTION_STACK_SYNC_INTERVAL says otherwise (60 is the product's default).
"""

import contextlib
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.slow]

ROOT = Path(settings.BASE_DIR)
SIMULATOR_PASSWORD = secrets.token_urlsafe(16)
ADMIN_PASSWORD = secrets.token_urlsafe(16)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, step: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A virtual environment with requirements.txt alone (pip's cache keeps this quick)."""
    path = tmp_path_factory.mktemp("production-venv")
    began = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run(
        [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
         str(ROOT / "requirements.txt")],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"\nproduction stack: requirements.txt installed in {time.monotonic() - began:.1f}s")
    return path


@pytest.fixture
def stack_database():
    """A fresh PostgreSQL database of its own, dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_stack"
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": int(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
    }

    def admin(statement):
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(statement)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    auth = f"{params['user']}:{params['password']}" if params["password"] else params["user"]
    url = f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    yield url, {"dbname": name, **params}
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Stack:
    """The processes of docker-compose.yml, started from the fresh environment."""

    def __init__(self, venv: Path, work: Path, database_url: str):
        self.venv, self.work = venv, work
        self.web_port, self.pbx_port = free_port(), free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ["REDIS_URL"],
            "ALLOWED_HOSTS": "127.0.0.1",
            "USE_X_FORWARDED_PROTO": "true",  # as behind the documented TLS proxy
            "LOG_FILE": "",
            "VAR_DIR": str(work / "var"),
            "STATIC_ROOT": str(work / "staticfiles"),
            "SYNC_INTERVAL_SECONDS": os.environ.get("PRODUCTION_STACK_SYNC_INTERVAL", "15"),
            "KERIO_PASSWORD": SIMULATOR_PASSWORD,
            "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        }

    def commands(self) -> dict[str, str]:
        """The web, worker and beat commands of docker-compose.yml, on this machine's ports."""
        services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
        commands = {}
        for name in ("web", "worker", "beat"):
            command = services[name]["command"]
            command = command if isinstance(command, str) else " ".join(command)
            command = command.replace("0.0.0.0:8000", f"127.0.0.1:{self.web_port}")
            commands[name] = command.replace("/app/var/", f"{self.work / 'var'}/")
        return commands

    def start(self, name: str, command: str) -> None:
        log = open(self.work / f"{name}.log", "w")  # noqa: SIM115 - the process owns it
        self.processes[name] = subprocess.Popen(
            shlex.split(command), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [str(self.venv / "bin" / "python"), "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def log(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text(errors="replace")

    def stop(self, name: str, timeout: float = 30) -> int | None:
        """SIGTERM to the service's main process, as `docker compose stop` sends it; what is
        left of its process group after that is killed."""
        process = self.processes.pop(name)
        try:
            process.send_signal(signal.SIGTERM)
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, timeout=10)


class Browser:
    """Requests as they arrive through the TLS proxy: HTTPS forwarded, cookies kept by hand
    (they are Secure, so a cookie jar would not send them over the proxy's plain hop)."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        headers = {"X-Forwarded-Proto": "https", "Referer": self.origin + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Origin"] = self.origin
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.read().decode(errors="replace")

    def sign_in(self, username: str, password: str) -> None:
        _status, page = self.request("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, page = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        assert status == 302, page[:2000]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def stored_calls(connect: dict) -> int:
    with psycopg.connect(**connect) as conn:
        return conn.execute("SELECT count(*) FROM monitoring_call").fetchone()[0]


def test_the_shipped_stack_stores_calls_and_reports_healthy(venv, stack_database, tmp_path):
    database_url, connect = stack_database
    stack = Stack(venv, tmp_path, database_url)
    try:
        started = time.monotonic()
        for name, command in stack.commands().items():
            stack.start(name, command)
        simulator = (
            f"python manage.py kerio_simulator --port {stack.pbx_port} --password-env "
            f"KERIO_PASSWORD --cert-dir {tmp_path / 'pbx'} --history-size 300 --rate 30"
        )
        stack.start("pbx", simulator)
        assert wait_for(lambda: listening(stack.web_port), 180), stack.log("web")
        print(f"\nproduction stack: web answers {time.monotonic() - started:.1f}s after start")
        assert wait_for(lambda: listening(stack.pbx_port), 60), stack.log("pbx")

        # What an administrator does after `docker compose up`.
        stack.manage(
            "kerio_setup", "--name", "Office", "--host", "127.0.0.1", "--port",
            str(stack.pbx_port), "--username", "admin", "--password-env", "KERIO_PASSWORD",
            "--ca-file", str(tmp_path / "pbx" / "ca.pem"),
        )  # fmt: skip
        configured = time.monotonic()
        stack.manage("createsuperuser", "--noinput", "--username", "boss", "--email", "")

        assert wait_for(lambda: stored_calls(connect), 240), stack.log("worker")
        first_calls = time.monotonic()
        print(
            f"\nproduction stack: first calls stored {first_calls - started:.1f}s after start "
            f"({first_calls - configured:.1f}s after the PBX was configured; sync interval "
            f"{stack.env['SYNC_INTERVAL_SECONDS']}s)"
        )

        browser = Browser(stack.web_port)
        browser.sign_in("boss", ADMIN_PASSWORD)

        def green():
            status, page = browser.request("/health/")
            return status == 200 and 'data-all-ok="true"' in page and page

        page = wait_for(green, 120, step=3)
        assert page, browser.request("/health/")[1]
        assert "Office" in page
        healthy = time.monotonic() - started
        print(f"production stack: System health green {healthy:.1f}s after start")
        status, calls_page = browser.request("/calls/?period=month")
        assert status == 200 and "calls/export.csv" in calls_page

        for name in ("worker", "beat"):
            assert "Traceback" not in stack.log(name), stack.log(name)
        # A clean stop: gunicorn's master and the worker shut down on SIGTERM, beat too.
        assert stack.stop("worker") == 0, stack.log("worker")
        assert stack.stop("beat") == 0, stack.log("beat")
        assert stack.stop("web") == 0, stack.log("web")
        assert "Shutting down: Master" in stack.log("web"), stack.log("web")
        assert stack.stop("pbx") == 0, stack.log("pbx")
    finally:
        stack.stop_all()

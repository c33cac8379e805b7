"""Every answer carries the security headers; production settings make the cookies secure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from callcenter.tests.factories import PRODUCTION

PAGES = ["login", "dashboard", "call_list", "health", "settings", "call_export_csv"]


@pytest.mark.parametrize("name", PAGES)
def test_every_answer_carries_the_security_headers(admin_client, name):
    response = admin_client.get(reverse(name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_error_pages_carry_them_too(operator_client):
    response = operator_client.get(reverse("settings"))
    assert response.status_code == 403
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_debug_cookies_are_http_only_and_same_site(client, admin_user):
    response = client.post(reverse("login"), {"username": "boss", "password": "Boss-pass-123"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


LOGIN_IN_PRODUCTION = """
from django.contrib.auth import get_user_model
from django.test import Client
get_user_model().objects.create_user("u", password="Pass-word-12345")
response = Client().post(
    "/accounts/login/", {"username": "u", "password": "Pass-word-12345"},
    secure=True, HTTP_HOST="monitor.example.uz",
)
print("status", response.status_code)
for name in ("sessionid", "csrftoken"):
    print(name, repr(dict(response.cookies[name])))
for header in ("Strict-Transport-Security", "X-Frame-Options", "Content-Security-Policy"):
    print(header, response[header])
plain = Client().get("/accounts/login/", HTTP_HOST="monitor.example.uz")
print("http", plain.status_code, plain["Location"])
"""


def test_production_cookies_are_secure_http_only_and_same_site(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY"}
    }
    env.update(
        PRODUCTION,
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        LOG_FILE="",
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=Path(settings.BASE_DIR),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "--no-input").returncode == 0
    result = manage("shell", "--no-imports", "-c", LOGIN_IN_PRODUCTION)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["status"] == "302"  # signed in
    for name in ("sessionid", "csrftoken"):
        cookie = lines[name]
        assert "'secure': True" in cookie, cookie
        assert "'samesite': 'Lax'" in cookie, cookie
    assert "'httponly': True" in lines["sessionid"]
    assert "max-age=31536000" in lines["Strict-Transport-Security"]
    assert lines["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in lines["Content-Security-Policy"]
    # Plain HTTP is sent to HTTPS.
    assert lines["http"].startswith("301 https://monitor.example.uz/")

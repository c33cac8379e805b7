"""Take screenshots of the main pages with demo data: `make screenshots` → docs/screenshots/*.png.

Everything runs on a throw-away SQLite database and the built-in simulator: a sync fills the
history, a live poll fills the live panel, then Debian's chromium (Playwright) opens each page.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from browser_fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - the browser tests' own flags

OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
PAGES = [
    ("dashboard", "/"),
    ("calls", "/calls/?period=week"),
    ("health", "/health/"),
    ("settings", "/settings/"),
    ("sip-providers", "/settings/sip/"),
    ("kerio-connections", "/settings/kerio/"),
    ("users", "/settings/users/"),
]
# The same pages on a phone (390 px wide), first screen only.
PHONE_PAGES = [("dashboard-phone", "/"), ("calls-phone", "/calls/?period=week")]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env, *args, **kwargs):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def main() -> None:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp(prefix="screenshots-"))
    env = {
        **os.environ,
        "DEBUG": "true",
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "LOG_FILE": "",
    }
    env.pop("REDIS_URL", None)
    sim_port, web_port = _free_port(), _free_port()
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "shell", "-c", _SETUP % {"port": sim_port})
    sim = subprocess.Popen(
        [PYTHON, "manage.py", "kerio_simulator", "--port", str(sim_port), "--rate", "20",
         "--password-file", str(var / "demo_pbx_password"), "--cert-dir", str(var / "simulator")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    web = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(Path(PYTHON).parent / "celery"), "-A", "callcenter", "worker", "--beat",
         "--concurrency", "2", "--schedule", str(var / "celerybeat-schedule")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(4)
        _manage(env, "sync_kerio", stdout=subprocess.DEVNULL)
        # The worker and beat prove themselves alive, and the live panel fills.
        _manage(env, "shell", "-c", _WAIT_FOR_WORKER)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=LAPTOP, locale="uz")
            base = f"http://127.0.0.1:{web_port}"
            page.goto(base + "/accounts/login/")
            page.screenshot(path=OUT / "login.png")
            page.fill("#id_username", "demo")
            page.fill("#id_password", "Demo-screens-2026")
            page.click("input[type=submit]")
            page.wait_for_load_state()
            for name, path in PAGES:
                page.goto(base + path)
                page.wait_for_timeout(700)
                page.screenshot(path=OUT / f"{name}.png", full_page=True)
            page.goto(base + "/")
            page.wait_for_timeout(700)
            page.screenshot(path=OUT / "dashboard-first-screen.png")  # what a laptop shows
            page.set_viewport_size(PHONE)
            for name, path in PHONE_PAGES:
                page.goto(base + path)
                page.wait_for_timeout(700)
                page.screenshot(path=OUT / f"{name}.png")
            browser.close()
    finally:
        for process in (worker, web, sim):
            process.terminate()
            process.wait(timeout=10)
    print(f"screenshots written to {OUT.relative_to(ROOT)}/")


_SETUP = """
import secrets
from django.conf import settings
from django.contrib.auth import get_user_model
from providers.services import save_pbx_connection
password_file = settings.VAR_DIR / "demo_pbx_password"
password_file.write_text(secrets.token_urlsafe(16))
get_user_model().objects.create_superuser("demo", password="Demo-screens-2026")
save_pbx_connection("Demo PBX", password=password_file.read_text(), host="127.0.0.1",
    port=%(port)d, username="admin", use_tls=True, verify_tls=True,
    ca_file=str(settings.VAR_DIR / "simulator" / "ca.pem"), is_demo=True, enabled=True)
"""

_WAIT_FOR_WORKER = """
import time
from monitoring.models import Heartbeat, LiveCall
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    if Heartbeat.objects.exists() and LiveCall.objects.exists():
        break
    time.sleep(1)
"""

if __name__ == "__main__":
    main()

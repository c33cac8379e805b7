"""Shared helpers of the benchmark scripts: database, simulator process, machine, output.

Every script works on its own PostgreSQL database (``--db``, created if missing), never on the
ones the test suite uses. Results go to ``var/bench/<name>.json`` and a table on stdout.
"""

import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
RESERVED_DATABASES = {"test", "test_test", "postgres", "template0", "template1"}
SIM_PASSWORD = "bench-password"  # noqa: S105 - a throw-away password of a local simulator


def database_url(name: str) -> str:
    if name in RESERVED_DATABASES:
        sys.exit(f"Refusing to use the database {name!r}: choose a benchmark database of your own.")
    return f"{PG}/{name}"


def use_database(name: str) -> str:
    """Point this process (and its children) at benchmark database ``name``, before Django loads."""
    url = database_url(name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return url


def _psql_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def recreate_database(name: str) -> None:
    """Drop and create ``name`` empty, then migrate it (in a child process)."""
    database_url(name)
    _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql_admin(f'CREATE DATABASE "{name}"')
    migrate(name)


def ensure_database(name: str) -> bool:
    """Create and migrate ``name`` if it does not exist; True when it was created."""
    import psycopg

    database_url(name)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        _psql_admin(f'CREATE DATABASE "{name}"')
    migrate(name)
    return not exists


def migrate(name: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(name), "DEBUG": "true"}
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the simulator exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout:.0f} s")


class SimulatorProcess:
    """``bench/simulator.py`` (the ``kerio_simulator`` command) in a separate process.

    Its memory and CPU are not the measured process's: the sync under test only talks HTTP to it.
    """

    def __init__(self, history_size: int, *, days: int = 30, page_cap: int = 500, seed: int = 1):
        self.port = free_port()
        self._password_dir = tempfile.TemporaryDirectory(prefix="bench-sim-")
        self.password_file = Path(self._password_dir.name) / "password"
        self.password_file.write_text(SIM_PASSWORD)
        self.args = [
            PYTHON, str(ROOT / "bench" / "simulator.py"),
            "--no-tls", "--port", str(self.port), "--history-size", str(history_size),
            "--days", str(days), "--page-cap", str(page_cap), "--seed", str(seed),
            "--password-file", str(self.password_file),
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None
        self.history_size = history_size

    def __enter__(self):
        env = {**os.environ, "DEBUG": "true"}
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # Building the history takes about 40 s a million records.
        wait_for_port(self.port, 60 + self.history_size / 10_000, self.process)
        return self

    def __exit__(self, *exc_info):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._password_dir.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/admin/api/jsonrpc/"

    def pbx_fields(self) -> dict:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "username": "admin",
            "password": SIM_PASSWORD,
            "use_tls": False,
            "verify_tls": False,
            "timeout_seconds": 60,
        }


def child_peak_rss_mb() -> float:
    """The largest peak RSS of the child processes waited for so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def own_peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    info = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }
    try:
        import psycopg

        with psycopg.connect(f"{PG}/postgres") as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:
        info["postgresql"] = f"unknown ({exc})"
    return info


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def write_result(name: str, payload: dict) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def print_table(headers: list[str], rows: list[list]) -> None:
    def text(value):
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return "" if value is None else str(value)

    cells = [[text(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]  # fmt: skip
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) if i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip
    sys.stdout.flush()


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "NOT MET")


def call_count(name: str) -> int | None:
    """How many calls database ``name`` holds; None if it does not exist or is not migrated."""
    import psycopg

    try:
        with psycopg.connect(database_url(name)) as conn:
            return conn.execute("SELECT count(*) FROM monitoring_call").fetchone()[0]
    except psycopg.Error:
        return None


def seeded_database(name: str, calls: int, *, days: int | None = None, reuse: bool = True) -> float:
    """Database ``name`` holding exactly ``calls`` seeded calls (kept between runs when it already
    does and ``reuse``); returns the seconds spent loading (0 when reused). The calls come at
    seed_calls' constant daily rate unless ``days`` spreads them over that many days."""
    if reuse and call_count(name) == calls:
        migrate(name)
        return 0.0
    recreate_database(name)
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": database_url(name), "DEBUG": "true"}
    span = ["--days", str(days)] if days else []
    subprocess.run(
        [PYTHON, str(ROOT / "bench" / "seed_calls.py"), "--calls", str(calls), *span],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def clone_database(source: str, target: str) -> None:
    """``target`` as a copy of ``source`` (a file-level copy: fast, needs ``source`` idle)."""
    database_url(target)
    _psql_admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    _psql_admin(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def admin_client():
    """A Django test Client signed in as a (new or existing) administrator."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user_model = get_user_model()
    admin = user_model.objects.filter(username="bench-admin").first()
    if admin is None:
        admin = user_model.objects.create_superuser("bench-admin", "bench@example.com", None)
    client = Client()
    client.force_login(admin)
    return client

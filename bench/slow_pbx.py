"""The live panel while Kerio Operator is slow: `/live/` latency while recording lookups wait.

gunicorn as docker-compose.yml starts it (3 workers, 4 threads each, DEBUG off), on its own
database, with a simulator (in this process) that holds every recording search for --delay
seconds (the probe that found the problem saw 14 s). First `/live/` alone (--requests GETs, one
after another), then the same while --lookups threads ask for recordings of different calls over
and over for the whole run. Reported: `/live/` median, 95th percentile and worst, both times,
and how long the recording lookups took (the first ones wait PBX_PAGE_TIMEOUT_SECONDS, the
later ones answer "slow" at once).

Usage: python bench/slow_pbx.py [--delay 14] [--lookups 6] [--requests 60] [--db bench_slow_pbx]
       [--unprotected]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def summary(values: list[float]) -> list:
    ordered = sorted(values)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return [len(values), statistics.median(values), p95, ordered[-1]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=14.0)
    parser.add_argument("--lookups", type=int, default=6)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--db", default="bench_slow_pbx")
    parser.add_argument(
        "--unprotected",
        action="store_true",
        help="for comparison: sync workers without threads, the connection's 15 s timeout, no "
        "cap and no 'slow' mark (the product before these protections, less its retries)",
    )
    parser.add_argument("--out", default="slow_pbx", help="name of the JSON result")
    args = parser.parse_args()
    common.use_database(args.db)
    common.recreate_database(args.db)

    import django

    django.setup()
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    from monitoring.models import Call
    from providers.kerio.simulator import KerioSimulator, SimulatorConfig
    from providers.models import PbxConnection

    session_id = common.admin_client().cookies["sessionid"].value
    config = SimulatorConfig(
        tls=False, history_size=0, password=common.SIM_PASSWORD, fault_delay=args.delay
    )
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    port = common.free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": static_root,
        "LOG_FILE": "",
        "LANGUAGE_CODE": "en",
    }
    threads = ["--threads", "4"]
    if args.unprotected:
        env.update(PBX_PAGE_TIMEOUT_SECONDS="15", PBX_PAGE_CALLS="1000", PBX_SLOW_SECONDS="0")
        threads = []
    subprocess.run(
        [common.PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=common.ROOT, env=env, check=True,
    )  # fmt: skip
    gunicorn = Path(common.PYTHON).with_name("gunicorn")
    with KerioSimulator(config) as sim:
        sim.faults.fail_method("Recordings.get", 100_000, "timeout")
        pbx = PbxConnection.objects.create(
            name="Slow PBX", host="127.0.0.1", port=sim.port, username="admin",
            password=common.SIM_PASSWORD, use_tls=False, verify_tls=False,
        )  # fmt: skip
        calls = [
            Call.objects.create(
                pbx=pbx, key=f"slow-{n}", started_at=timezone.now(), extension=str(100 + n),
                from_number="+998901234567", to_number=str(100 + n), raw={},
            )
            for n in range(args.lookups * 50)
        ]  # fmt: skip
        server = subprocess.Popen(
            [str(gunicorn), "callcenter.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "3", *threads],
            cwd=common.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            common.wait_for_port(port, 60)
            base = f"http://127.0.0.1:{port}"
            cookies = {"sessionid": session_id}

            def live_latencies() -> list[float]:
                times = []
                for _ in range(args.requests):
                    began = time.perf_counter()
                    response = requests.get(
                        base + reverse("live_calls"), cookies=cookies, timeout=120
                    )
                    assert response.status_code == 200, response.status_code
                    times.append(time.perf_counter() - began)
                    time.sleep(0.1)
                return times

            live_latencies()  # warm-up
            alone = live_latencies()

            stop = threading.Event()
            lookups: list[tuple[float, bool]] = []
            queue = iter(calls)
            lock = threading.Lock()

            def look_up():
                while not stop.is_set():
                    with lock:
                        call = next(queue, None)
                    if call is None:
                        return
                    began = time.perf_counter()
                    page = requests.get(
                        base + reverse("call_recording", args=[call.pk]),
                        cookies=cookies, headers={"HX-Request": "true"}, timeout=120,
                    )  # fmt: skip
                    lookups.append((time.perf_counter() - began, "slow to answer" in page.text))

            threads = [threading.Thread(target=look_up) for _ in range(args.lookups)]
            for thread in threads:
                thread.start()
            time.sleep(0.5)  # the first lookups are waiting on the PBX
            busy = live_latencies()
            stop.set()
            for thread in threads:
                thread.join(120)
        finally:
            server.terminate()
            server.wait(30)

    lookup_times = [seconds for seconds, _slow in lookups]
    rows = [["/live/ alone", *summary(alone)], ["/live/ while lookups wait", *summary(busy)]]
    rows.append(["recording lookups", *summary(lookup_times)])
    common.print_table(["", "requests", "median s", "p95 s", "worst s"], rows)
    answered_slow = sum(1 for _seconds, slow in lookups if slow)
    mode = "unprotected" if args.unprotected else "as shipped"
    print(f'\n{answered_slow} of {len(lookups)} lookups answered "slow"; PBX delay {args.delay}s')
    print(f"gunicorn and PBX page calls {mode}")
    common.write_result(
        args.out,
        {
            "delay": args.delay,
            "lookup_threads": args.lookups,
            "live_alone": summary(alone),
            "live_while_slow": summary(busy),
            "lookups": summary(lookup_times),
            "lookups_answered_slow": answered_slow,
            "unprotected": args.unprotected,
        },
    )


if __name__ == "__main__":
    main()

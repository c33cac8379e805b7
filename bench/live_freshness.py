"""Live freshness: from a call starting on the PBX to its row in the live panel's HTML.

A simulator (in this process: its cost is tiny here) and a poller thread that calls
``poll_live_calls(pbx)`` every LIVE_POLL_SECONDS, as Celery beat does. Each trial waits a random
part of the interval (so calls start at every phase of the poll), starts a call with a unique
number, then GETs the live panel fragment (``live_calls`` URL, a logged-in administrator) every
50 ms until the number is in the HTML. Reported: the median and worst delay over --trials, against
the goal of LIVE_POLL_SECONDS + 1 s. The browser asks for the fragment every LIVE_POLL_SECONDS
too (htmx), so a person sees the call up to one more interval later; that end-to-end figure is
reported as well, from a random refresh phase per trial.

Usage: python bench/live_freshness.py [--trials 12] [--db bench_live]
"""

import argparse
import math
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--db", default="bench_live")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--out", default="live_freshness", help="name of the JSON result")
    args = parser.parse_args()
    common.use_database(args.db)
    common.recreate_database(args.db)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from monitoring.live import poll_live_calls
    from providers.kerio.simulator import KerioSimulator, SimulatorConfig
    from providers.models import PbxConnection

    interval = settings.LIVE_POLL_SECONDS
    client = common.admin_client()
    url = reverse("live_calls")

    config = SimulatorConfig(tls=False, history_size=0, password=common.SIM_PASSWORD)
    with KerioSimulator(config) as sim:
        pbx = PbxConnection.objects.create(
            name="Bench live PBX", host="127.0.0.1", port=sim.port, username="admin",
            password=common.SIM_PASSWORD, use_tls=False, verify_tls=False,
        )  # fmt: skip
        stop = threading.Event()
        poll_seconds: list[float] = []

        def poller():
            from django.db import connection as thread_connection

            next_at = time.monotonic()
            while not stop.is_set():
                started = time.monotonic()
                poll_live_calls(pbx)
                poll_seconds.append(time.monotonic() - started)
                next_at += interval
                stop.wait(max(next_at - time.monotonic(), 0))
            thread_connection.close()

        thread = threading.Thread(target=poller, daemon=True)
        thread.start()
        time.sleep(interval)  # the first poll has run
        rnd = random.Random(5)
        trials = []
        get_seconds = []
        for n in range(args.trials):
            time.sleep(rnd.uniform(0, interval))
            number = f"+99890777{n:04d}"
            live_id = sim.start_call(number, "101", from_name="Bench caller")
            started = time.monotonic()
            seen = None
            while time.monotonic() - started < args.timeout:
                before = time.monotonic()
                response = client.get(url)
                if response.status_code != 200:
                    sys.exit(f"GET {url} answered {response.status_code}")
                html = response.content.decode()
                get_seconds.append(time.monotonic() - before)
                if number in html:
                    seen = time.monotonic() - started
                    break
                time.sleep(0.05)
            sim.end_call(live_id)
            # The browser refreshes at its own phase, every `interval` seconds.
            phase = rnd.uniform(0, interval)
            seen_by_person = None
            if seen is not None:
                seen_by_person = phase + max(math.ceil((seen - phase) / interval), 0) * interval
            trials.append({"number": number, "seconds": seen, "seen_by_person": seen_by_person})
            shown = "never" if seen is None else f"{seen:.2f} s"
            print(f"  trial {n + 1:2}: in the panel after {shown}", flush=True)
        stop.set()
        thread.join(timeout=interval + 10)
    connection.close()

    delays = [t["seconds"] for t in trials if t["seconds"] is not None]
    person = [t["seen_by_person"] for t in trials if t["seen_by_person"] is not None]
    goal = interval + 1
    result = {
        "live_poll_seconds": interval,
        "goal_seconds": goal,
        "trials": trials,
        "missed": len(trials) - len(delays),
        "median_seconds": statistics.median(delays) if delays else None,
        "max_seconds": max(delays) if delays else None,
        "median_seen_by_person_seconds": statistics.median(person) if person else None,
        "max_seen_by_person_seconds": max(person) if person else None,
        "median_poll_seconds": statistics.median(poll_seconds) if poll_seconds else None,
        "median_fragment_get_seconds": statistics.median(get_seconds) if get_seconds else None,
    }
    result["goal_met"] = bool(delays) and not result["missed"] and result["max_seconds"] <= goal
    print()
    common.print_table(
        ["poll s", "median s", "max s", "goal s", "goal", "person median s", "person max s",
         "poll took s", "GET took s"],
        [[interval, result["median_seconds"], result["max_seconds"], goal,
          common.verdict(result["goal_met"]), result["median_seen_by_person_seconds"],
          result["max_seen_by_person_seconds"], result["median_poll_seconds"],
          result["median_fragment_get_seconds"]]],
    )  # fmt: skip
    path = common.write_result(args.out, result)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

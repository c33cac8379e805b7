"""What a real box's habits cost: requests per incremental sync, and logins while polling.

1. Requests per routine incremental sync when the box sends numbers as JSON numbers and when it
   sends them as numeric strings: --history calls on a simulator, one first sync, then --new
   calls end and an incremental sync runs; its CallHistory.get requests (and all requests) are
   counted.
2. Logins per hour of live polling: --polls polls (one every 3 s is 1,200 an hour) with the
   right password, and with a wrong one (plus a scheduled sync a minute); Session.login
   requests are counted, with the simulator blocking the address after 10 refusals as Kerio does.

Usage: python bench/real_box.py [--db bench_real_box] [--history 5000] [--polls 1200]
"""

import argparse
import contextlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def pbx_for(simulator, name: str, password: str | None = None):
    from providers.services import save_pbx_connection

    return save_pbx_connection(
        name,
        password=password or simulator.config.password,
        host=simulator.host,
        port=simulator.port,
        username=simulator.config.username,
        ca_file=simulator.ca_file,
        timeout_seconds=5,
    )


def incremental_requests(strings: bool, history: int, new: int) -> dict:
    from monitoring.sync import sync_pbx
    from providers.kerio.simulator import KerioSimulator, SimulatorConfig
    from providers.kerio.simulator.demo import CallFactory

    config = SimulatorConfig(history_size=history, days=30, numbers_as_strings=strings)
    with KerioSimulator(config) as simulator:
        pbx = pbx_for(simulator, f"strings-{strings}-{time.time_ns()}")
        sync_pbx(pbx)
        factory = CallFactory(random.Random(5))
        now = int(time.time())
        records = []
        for _ in range(new):
            plan = factory.plan()
            records.append(plan.record(now - random.randint(60, 600) - plan.ring - plan.talk))
        simulator.state.add_history(records, recordings=False)
        simulator.reset_counts()
        run = sync_pbx(pbx)
        counts = simulator.request_counts()
    return {
        "numbers": "strings" if strings else "numbers",
        "history_requests": counts.get("CallHistory.get", 0),
        "all_requests": sum(counts.values()),
        "created": run.created,
    }


def logins_while_polling(polls: int, wrong: bool) -> dict:
    from monitoring.live import poll_live_calls
    from monitoring.sync import SyncFailed, sync_pbx
    from providers.kerio.simulator import KerioSimulator, SimulatorConfig

    config = SimulatorConfig(history_size=50, days=1, lockout_after=10, lockout_seconds=3600)
    with KerioSimulator(config) as simulator:
        pbx = pbx_for(simulator, f"polls-{wrong}-{time.time_ns()}", "typo" if wrong else None)
        for number in range(polls):
            poll_live_calls(pbx)
            if number % 20 == 0:  # the scheduled sync, once a minute at one poll every 3 s
                with contextlib.suppress(SyncFailed):
                    sync_pbx(pbx)
        counts = simulator.request_counts()
        return {
            "password": "wrong" if wrong else "right",
            "polls": polls,
            "logins": counts.get("Session.login", 0),
            "logouts": counts.get("Session.logout", 0),
            "lockouts": simulator.lockouts,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench_real_box")
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--polls", type=int, default=1200)
    args = parser.parse_args()
    common.use_database(args.db)
    common.recreate_database(args.db)
    import django

    django.setup()

    syncs = [incremental_requests(strings, args.history, args.new) for strings in (False, True)]
    common.print_table(
        ["numbers", "CallHistory.get", "all requests", "new calls"],
        [[r["numbers"], r["history_requests"], r["all_requests"], r["created"]] for r in syncs],
    )
    polls = [logins_while_polling(args.polls, wrong) for wrong in (False, True)]
    common.print_table(
        ["password", "polls", "logins", "logouts", "lock-outs"],
        [[r["password"], r["polls"], r["logins"], r["logouts"], r["lockouts"]] for r in polls],
    )
    common.write_result("real_box", {"incremental": syncs, "polling": polls, **vars(args)})


if __name__ == "__main__":
    main()

"""Incremental sync cost: a routine run with N calls already stored and 100 new ones on the PBX.

For each --stored size: a database with that many calls (bench/seed_calls.py, the same PBX the sync
writes to), a simulator in its own process holding the recent history (--recent calls over the
last --recent-days days, ~7,000 a day like a busy call center), and one first sync that stores it
and sets the high-water mark. Then, --repeat times: --new calls end on the simulator and a routine
incremental ``sync_pbx(pbx)`` runs; its wall time is measured (median reported). A run with no new
calls is measured too. Goal: < 2 s, and not growing with stored history.

Usage: python bench/incremental.py [--stored 100000 1000000] [--new 100] [--repeat 5]
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

GOAL_SECONDS = 2.0
GOAL_GROWTH = 1.5


def serve(pipe, history_size: int, days: int, port: int, password: str) -> None:
    """The simulator process: answers ("add", n) with n new finished calls, stops on ("stop",)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from bench.simulator import install_fast_history
    from providers.kerio.simulator import KerioSimulator, SimulatorConfig
    from providers.kerio.simulator.demo import CallFactory

    install_fast_history()
    config = SimulatorConfig(tls=False, port=port, history_size=history_size, days=days,
                             password=password, recording_share=0)  # fmt: skip
    factory = CallFactory(random.Random(99))
    with KerioSimulator(config) as sim:
        pipe.send("ready")
        while True:
            command = pipe.recv()
            if command[0] == "stop":
                break
            now = int(time.time())
            records = []
            for _ in range(command[1]):
                plan = factory.plan()
                # Ended within the last minute, started up to ten minutes ago.
                start = now - random.randint(30, 600)
                records.append(plan.record(min(start, now - plan.ring - plan.talk - 1)))
            sim.state.add_history(records, recordings=False)
            pipe.send(len(records))
    pipe.close()


def measure(stored: int, args) -> dict:
    print(f"\n== {stored:,} calls stored ==", flush=True)
    load = common.seeded_database(args.source_db_prefix + str(stored), stored, reuse=not args.fresh)
    print(f"seeded in {load:.0f} s" if load else "seeded database reused", flush=True)
    common.clone_database(args.source_db_prefix + str(stored), args.db)

    import django
    from django.db import connections

    if not getattr(measure, "_setup", False):
        django.setup()
        measure._setup = True
    connections.close_all()
    from monitoring.models import Call, SyncRun, SyncState
    from monitoring.sync import sync_pbx
    from providers.models import PbxConnection

    port = common.free_port()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=serve, args=(child, args.recent, args.recent_days, port, common.SIM_PASSWORD)
    )
    process.start()
    try:
        assert parent.recv() == "ready"
        pbx = PbxConnection.objects.get(name="Bench PBX")
        for name, value in {
            "host": "127.0.0.1", "port": port, "username": "admin",
            "password": common.SIM_PASSWORD, "use_tls": False, "verify_tls": False,
            "timeout_seconds": 60,
        }.items():  # fmt: skip
            setattr(pbx, name, value)
        pbx.save()
        SyncState.objects.filter(pk=pbx.pk).update(read_back_to=None)
        started = time.perf_counter()
        first = sync_pbx(pbx, trigger=SyncRun.Trigger.COMMAND)
        first_s = time.perf_counter() - started
        print(f"first sync of the recent history: {first.fetched:,} records in {first_s:.1f} s")

        started = time.perf_counter()
        sync_pbx(pbx)
        idle_s = time.perf_counter() - started
        runs = []
        for attempt in range(args.repeat):
            parent.send(("add", args.new))
            if not parent.poll(60):
                raise RuntimeError("the simulator process did not answer")
            parent.recv()
            started = time.perf_counter()
            run = sync_pbx(pbx)
            seconds = time.perf_counter() - started
            runs.append({"seconds": seconds, "pages": run.pages, "fetched": run.fetched,
                         "created": run.created, "updated": run.updated})  # fmt: skip
            print(f"  run #{attempt + 1}: {seconds:.2f} s, {run.pages} pages, "
                  f"{run.fetched:,} read, {run.created} new", flush=True)  # fmt: skip
        total = Call.objects.count()
    finally:
        parent.send(("stop",))
        process.join(timeout=30)
        connections.close_all()
    seconds = [r["seconds"] for r in runs]
    return {
        "stored": stored,
        "stored_after": total,
        "first_sync_seconds": first_s,
        "no_new_calls_seconds": idle_s,
        "runs": runs,
        "median_seconds": statistics.median(seconds),
        "max_seconds": max(seconds),
        "window_records": common.median(r["fetched"] for r in runs),
        "all_new_stored": all(r["created"] == args.new for r in runs),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--recent", type=int, default=21_000, help="simulator history size")
    parser.add_argument("--recent-days", type=int, default=3)
    parser.add_argument("--db", default="bench_incremental")
    parser.add_argument(
        "--source-db-prefix",
        default="bench_calls_",
        help="seeded databases, reused between runs (and by bench/pages.py)",
    )
    parser.add_argument("--fresh", action="store_true", help="seed again even if reusable")
    parser.add_argument("--out", default="incremental", help="name of the JSON result")
    args = parser.parse_args()  # fmt: skip
    common.use_database(args.db)

    results = [measure(size, args) for size in sorted(args.stored)]
    smallest = results[0]
    rows = []
    for r in results:
        growth = r["median_seconds"] / smallest["median_seconds"]
        r["growth_vs_smallest"] = growth
        r["goals"] = {
            "under_2s": r["max_seconds"] < GOAL_SECONDS,
            "not_growing": growth <= GOAL_GROWTH if r is not smallest else None,
        }
        rows.append([r["stored"], r["window_records"], r["median_seconds"], r["max_seconds"],
                     r["no_new_calls_seconds"], growth, common.verdict(r["goals"]["under_2s"]),
                     common.verdict(r["goals"]["not_growing"])])  # fmt: skip
    print()
    common.print_table(
        ["stored", "window recs", "median s", "max s", "no-new s", "growth", "<2 s",
         "growth<=1.5"], rows,
    )  # fmt: skip
    path = common.write_result(args.out, {"new_per_run": args.new, "results": results})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

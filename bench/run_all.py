"""Run every benchmark in turn (``make bench``): sync, incremental sync, live freshness, pages,
callbacks.

Default sizes finish in about 10 minutes on 2 cores the first time (most of it seeding the
1,000,000-call databases, which later runs reuse); --big adds the 1,000,000-record sync (about
3 more minutes). Each script writes var/bench/<name>.json; this prints their tables as they run.

Usage: python bench/run_all.py [--big] [--skip sync incremental live pages callbacks]
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="also sync 1,000,000 records")
    parser.add_argument("--skip", nargs="*", default=[], help="benchmarks to leave out")
    args = parser.parse_args()
    sync_sizes = ["200000", "1000000"] if args.big else ["200000"]
    steps = [
        ("sync", ["sync_throughput.py", "--records", *sync_sizes]),
        ("incremental", ["incremental.py", "--stored", "100000", "1000000"]),
        ("live", ["live_freshness.py"]),
        ("pages", ["pages.py", "--calls", "100000", "1000000"]),
        ("callbacks", ["callbacks.py", "--calls", "100000", "1000000"]),
    ]
    failed = []
    for name, command in steps:
        if name in args.skip:
            continue
        print(f"\n######## {name} ########", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(BENCH / command[0]), *command[1:]])
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

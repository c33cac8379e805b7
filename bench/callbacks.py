"""Callbacks at scale: the callbacks page, the time-to-callback figures and the sync's refresh of
the callbacks it touched, at two sizes of stored calls.

The databases are bench/seed_calls.py's (a constant ~2,000 calls a day, so 1,000,000 calls reach
~500 days back), under their own names (--db-prefix), with every callback derived once by
`manage.py rebuild_callbacks` (timed: the command's cost at that size). The pages are measured as
bench/pages.py measures them (a child process with DEBUG off, an administrator's test Client, the
median of --repeat requests, each captured query timed again on its own and EXPLAINed), and so are
the figures' functions called directly for today, this month and the last 366 days. The sync's
refresh re-derives the numbers of the newest 1,000 calls, as after a page of a sync.

Goals: no query scans the calls table ("Seq Scan on monitoring_call"); the figures read the
callbacks table only; from the smaller to the larger size each page costs at most 1.5x.

Usage: python bench/callbacks.py [--calls 100000 1000000] [--repeat 5]
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.pages import (
    GOAL_GROWTH,
    PLANS_DIR,
    SEQ_SCAN,
    _explain,
    _timed,
    collect_static,
    measure_page,
    production_env,
)

CALLS_TABLE = re.compile(r'\bmonitoring_call\b"?')
PAGES = {
    "callbacks_open": "/callbacks/",
    "callbacks_open_page_20": "/callbacks/?page=20",
    "callbacks_unassigned_day_old": "/callbacks/?owner=none&age=1d",
    "callbacks_closed": "/callbacks/?state=closed",
    "callbacks_closed_page_100": "/callbacks/?state=closed&page=100",
    "dashboard_today": "/?period=today",
    "dashboard_month": "/?period=month",
}


def measure_call(name: str, function, repeat: int, plans_dir: Path) -> dict:
    """A function's median time, its queries' SQL time, whether any reads or scans the calls."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        function()
    sql_seconds, seq_scans, reads_calls = 0.0, [], False
    with connection.cursor() as cursor:
        for index, query in enumerate(captured.captured_queries):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            seconds = _timed(cursor, sql)
            sql_seconds += seconds
            reads_calls |= CALLS_TABLE.search(sql) is not None
            plan = _explain(cursor, sql)
            path = plans_dir / f"{name}_{index:02d}.txt"
            path.write_text(f"-- {seconds * 1000:.1f} ms\n{sql}\n\n{plan}\n")
            if SEQ_SCAN.search(plan):
                seq_scans.append(path.name)
    return {
        "seconds": statistics.median(times),
        "queries": len(captured.captured_queries),
        "sql_seconds": sql_seconds,
        "seq_scans": seq_scans,
        "reads_calls": reads_calls,
    }


def child(args) -> dict:
    import django

    django.setup()
    from django.utils import timezone

    from monitoring.callbacks import derive, figures
    from monitoring.models import Call, Callback
    from monitoring.periods import Preset, days_period

    client = common.admin_client()
    plans_dir = PLANS_DIR / f"callbacks_{args.size}"
    plans_dir.mkdir(parents=True, exist_ok=True)
    results = {}

    def report(name, result):
        results[name] = result
        print(f"  {name:30} {result['seconds'] * 1000:9.1f} ms  SQL "
              f"{result['sql_seconds'] * 1000:9.1f} ms  {result['queries']:3} queries"
              f"  seq scans: {len(result['seq_scans'])}", flush=True)  # fmt: skip

    for name, url in PAGES.items():
        report(name, measure_page(client, name, url, args.repeat, plans_dir))
    today = timezone.localdate()
    periods = {
        "today": days_period(today, today, Preset.TODAY),
        "month": days_period(today.replace(day=1), today, Preset.MONTH),
        "year": days_period(today - timedelta(days=365), today),
    }
    for label, period in periods.items():
        report(
            f"figures_{label}",
            measure_call(
                f"figures_{label}", lambda p=period: figures.figures(p), args.repeat, plans_dir
            ),
        )
        report(f"per_extension_{label}", measure_call(
            f"per_extension_{label}", lambda p=period: figures.per_extension(p), args.repeat,
            plans_dir))  # fmt: skip
    newest = Call.objects.order_by("-started_at", "-id").values(
        "external_number", "direction", "started_at"
    )[:1000]
    touched = derive.touched(list(newest))
    name = "sync_refresh_1000_calls"
    report(name, measure_call(name, lambda: derive.refresh(touched), args.repeat, plans_dir))
    results[name]["numbers"] = len(touched)
    return {
        "size": args.size,
        "calls": Call.objects.count(),
        "callbacks": Callback.objects.count(),
        "open": Callback.objects.filter(state="open").count(),
        "pages": results,
    }


def rebuild(db: str) -> float | None:
    """Derive every callback once (None when the database has them already); its seconds."""
    env = {**common.os.environ, "DATABASE_URL": common.database_url(db), "DEBUG": "true"}
    check = "from monitoring.models import Callback; print(Callback.objects.exists())"
    out = subprocess.run([common.PYTHON, "manage.py", "shell", "-c", check], cwd=common.ROOT,
                         env=env, check=True, stdout=subprocess.PIPE, text=True).stdout  # fmt: skip
    rebuilt = None
    if out.strip().splitlines()[-1:] != ["True"]:  # after the shell's own notice
        started = time.perf_counter()
        subprocess.run([common.PYTHON, "manage.py", "rebuild_callbacks"], cwd=common.ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        rebuilt = time.perf_counter() - started
    # A settled table, as autovacuum leaves it: statistics and the visibility map up to date.
    import psycopg

    with psycopg.connect(common.database_url(db), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE monitoring_callback")
    return rebuilt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db-prefix", default="bench_callbacks_")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.size:
        common.use_database(args.db_prefix + str(args.size))
        print(json.dumps(child(args), default=str))
        return

    sizes = sorted(args.calls)
    by_size = {}
    for size in sizes:
        db = args.db_prefix + str(size)
        print(f"\n== {size:,} calls ==", flush=True)
        load = common.seeded_database(db, size)
        print(f"seeded in {load:.0f} s" if load else "seeded database reused", flush=True)
        rebuilt = rebuild(db)
        print(f"rebuild_callbacks: {rebuilt:.1f} s" if rebuilt else "callbacks reused", flush=True)
        env = production_env(db)
        collect_static(env)
        cmd = [common.PYTHON, __file__, "--size", str(size), "--repeat", str(args.repeat),
               "--db-prefix", args.db_prefix]  # fmt: skip
        result = subprocess.run(cmd, cwd=common.ROOT, env=env, stdout=subprocess.PIPE, text=True)
        if result.returncode != 0:
            raise SystemExit(f"the callbacks measurements at {size:,} calls failed")
        lines = result.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        by_size[size] = {**json.loads(lines[-1]), "rebuild_seconds": rebuilt}

    small, large = by_size[sizes[0]], by_size[sizes[-1]]
    rows = []
    for name, big in large["pages"].items():
        little = small["pages"].get(name, big)
        growth = big["seconds"] / little["seconds"] if little["seconds"] else None
        seq = sorted({*big["seq_scans"], *little["seq_scans"]})
        rows.append([name, little["seconds"] * 1000, big["seconds"] * 1000,
                     big["sql_seconds"] * 1000, growth, common.verdict(not seq),
                     common.verdict(growth <= GOAL_GROWTH if growth and len(sizes) > 1 else None),
                     {True: "yes", False: "no"}.get(big.get("reads_calls"), "")])  # fmt: skip
    print()
    common.print_table(
        ["measured", f"ms @{sizes[0]:,}", f"ms @{sizes[-1]:,}", "SQL ms", "growth",
         "no seq scan", "growth<=1.5", "reads calls"],
        rows,
    )  # fmt: skip
    path = common.write_result("callbacks", {"sizes": by_size})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

"""Year-long pages with the hourly rollup, at two sizes: each page's time, its SQL time and plans,
the figures from the rollup against the same figures from the calls, and the rollup's upkeep.

For each --calls size, a database of that many calls (bench/seed_calls.py: COPY in time order,
about 2,000 calls a day, so a year holds the same ~730,000 calls at every size above that and
more calls mean a longer history). The COPY goes through the triggers that keep the rollup, as a
sync's pages do; the rollup is then rebuilt once (`maintenance.rebuild`, timed) and must come out
identical to what the triggers kept.

In a child process per size, with DEBUG off (see bench/pages.py for why and what that needs),
signed in as an administrator, over the year ending today:
- the pages (dashboard, calls page, heatmap, wallboard): one warm-up, then the median of --repeat
  requests; one more request is captured, each of its queries run again alone (median of 3) for
  the SQL time, and EXPLAIN-ed: no plan may scan the whole calls table;
- the functions behind them, from the rollup and from the calls (the reference), timed the same
  way: dashboard_figures, heatmap, count; and the dashboard's two figures that stay on the calls,
  peak concurrency and "not called back".

Goal: a year-long page costs at most 1.5x as much at the largest size as at the smallest.

Usage: python bench/rollups.py [--calls 1000000 5000000] [--repeat 5] [--fresh]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.pages import SEQ_SCAN, collect_static, production_env

GOAL_GROWTH = 1.5


def _median_seconds(function, repeat: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _sql(captured) -> tuple[float, list[str]]:
    """The captured queries' SQL time (each run alone, median of 3) and the ones that scan the
    whole calls table."""
    from django.db import connection

    total, scans = 0.0, []
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                runs.append(time.perf_counter() - started)
            total += statistics.median(runs)
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if SEQ_SCAN.search(plan):
                scans.append(sql[:120])
    return total, scans


def child(args) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from monitoring import kpis
    from monitoring.analytics import heatmap as heatmaps
    from monitoring.models import Call, CallHour
    from monitoring.periods import days_period
    from monitoring.rollups import figures, maintenance

    today = timezone.localdate()
    first = today - timedelta(days=364)
    year = days_period(first, today)
    query = f"?period=custom&start={first}&end={today}"
    result = {"size": args.size, "calls": Call.objects.count(), "pages": {}, "functions": {}}

    # The rollup the triggers kept, then rebuilt from the calls: the same rows.
    fields = [f.attname for f in CallHour._meta.concrete_fields if f.name != "id"]
    kept = sorted(CallHour.objects.values_list(*fields))
    started = time.perf_counter()
    maintenance.rebuild()
    result["rebuild_seconds"] = time.perf_counter() - started
    result["rollup_rows"] = len(kept)
    result["rebuild_equals_kept"] = sorted(CallHour.objects.values_list(*fields)) == kept
    result["year_calls"] = kpis.calls_in(year).count()
    result["year_rollup_rows"] = CallHour.objects.filter(
        hour__gte=year.start, hour__lt=year.end
    ).count()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE monitoring_callhour")
        cursor.execute("VACUUM ANALYZE monitoring_callhourtotal")
    print(
        f"  rollup: {len(kept):,} rows ({result['year_rollup_rows']:,} in the year, for "
        f"{result['year_calls']:,} calls); rebuilt in {result['rebuild_seconds']:.1f} s, "
        f"equal to the kept one: {result['rebuild_equals_kept']}",
        flush=True,
    )

    client = common.admin_client()
    pages = {
        "dashboard (year)": "/" + query,
        "calls page (year)": "/calls/" + query,
        "heatmap (year)": "/analytics/heatmap/" + query,
        "heatmap (year, service level)": "/analytics/heatmap/" + query + "&show=service_level",
        "wallboard": "/wallboard/",
    }
    for name, url in pages.items():

        def get(url=url):
            response = client.get(url, secure=True)
            assert response.status_code == 200, (url, response.status_code)

        seconds = _median_seconds(get, args.repeat)
        with CaptureQueriesContext(connection) as queries:
            get()
        sql_seconds, scans = _sql(queries.captured_queries)
        result["pages"][name] = {
            "seconds": seconds,
            "sql_seconds": sql_seconds,
            "queries": len(queries.captured_queries),
            "seq_scans": scans,
        }
        print(
            f"  {name:32} {seconds * 1000:8.1f} ms  SQL {sql_seconds * 1000:8.1f} ms  "
            f"{len(queries.captured_queries):3} queries  seq scans of calls: {len(scans)}",
            flush=True,
        )

    functions = {
        "dashboard_figures, rollup": lambda: figures.dashboard_figures(year),
        "dashboard_figures, calls": lambda: kpis.dashboard_figures_from_calls(year),
        "heatmap, rollup": lambda: figures.heatmap(year),
        "heatmap, calls": lambda: heatmaps.heatmap_from_calls(year),
        "count, rollup": lambda: figures.count(year),
        "count, calls": lambda: kpis.calls_in(year).count(),
        "peak concurrency (calls)": lambda: kpis.peak_concurrency(year),
        "not called back (calls)": lambda: kpis.missed_not_called_back_first(year),
    }
    repeat = {name: 1 if name.endswith(("calls", "(calls)")) else args.repeat for name in functions}
    for name, function in functions.items():
        seconds = _median_seconds(function, repeat[name])
        result["functions"][name] = seconds
        print(f"  {name:32} {seconds * 1000:8.1f} ms", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db-prefix", default="bench_rollups_")
    parser.add_argument("--fresh", action="store_true", help="seed again even if reusable")
    parser.add_argument("--out", default="rollups", help="name of the JSON result")
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
        load = common.seeded_database(db, size, reuse=not args.fresh)
        print(f"seeded (COPY, through the triggers) in {load:.0f} s" if load else "reused")
        env = production_env(db)
        collect_static(env)
        cmd = [common.PYTHON, __file__, "--size", str(size), "--repeat", str(args.repeat),
               "--db-prefix", args.db_prefix]  # fmt: skip
        done = subprocess.run(cmd, cwd=common.ROOT, env=env, stdout=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the measurements at {size:,} calls failed")
        lines = done.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        by_size[size] = {**json.loads(lines[-1]), "seed_seconds": load}

    small, large = by_size[sizes[0]], by_size[sizes[-1]]
    rows = []
    several = len(sizes) > 1
    for name, big in large["pages"].items():
        little = small["pages"][name]
        growth = big["seconds"] / little["seconds"]
        rows.append([name, little["seconds"] * 1000, big["seconds"] * 1000,
                     big["sql_seconds"] * 1000, growth,
                     common.verdict(not big["seq_scans"] and not little["seq_scans"]),
                     common.verdict(growth <= GOAL_GROWTH if several else None)])  # fmt: skip
    print()
    common.print_table(
        ["page", f"ms @{sizes[0]:,}", f"ms @{sizes[-1]:,}", "SQL ms", "growth",
         "no seq scan", "growth<=1.5"],
        rows,
    )  # fmt: skip
    print()
    common.print_table(
        ["function (year)", *(f"ms @{size:,}" for size in sizes)],
        [[name, *(by_size[size]["functions"][name] * 1000 for size in sizes)]
         for name in large["functions"]],
    )  # fmt: skip
    path = common.write_result(args.out, {"sizes": by_size})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

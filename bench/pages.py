"""Pages at scale: server time of each page, its SQL time and its query plans, at two data sizes.

For each --calls size, a database of that many seeded calls (bench/seed_calls.py; kept between
runs). The calls come at a constant rate, about 2,000 a day: a call center's daily volume does not
depend on how much history it keeps, so more stored calls mean a longer history (100,000 calls
reach ~50 days back, 1,000,000 ~500 days), not more calls per day, and rows are inserted in time
order as a sync inserts them. Today and this month then hold the same calls at both sizes, and a
page whose cost grows with the size is a page that reads history it does not show. The CSV export
is measured over a window holding ~100,000 rows at both sizes (the last 50 days), and over today.

In a child process per size, a Django test Client signed in as an administrator requests each
page --repeat times after one warm-up and keeps the median. The child runs with DEBUG off, as
production serves pages: DEBUG=true turns off the cached template loader (every include is read
and compiled again at each request) and turns on debug-only work, so its Python and template
times are not the ones users get. The child therefore gets the production settings DEBUG off
requires: its own SECRET_KEY, the FIELD_ENCRYPTION_KEY the seeding used (the PBX's password must
decrypt), ALLOWED_HOSTS=testserver, and the manifest of collected static files (collectstatic into
var/bench/static first). Requests are made as HTTPS (``secure=True``), as behind the production
proxy, so the default SECURE_SSL_REDIRECT answers them instead of redirecting.

One more request runs inside CaptureQueriesContext; each captured query is then run again on its
own (median of 3) to give the page's SQL time, and EXPLAIN (ANALYZE, BUFFERS) of every query on
the calls table is saved under var/bench/plans/<size>/. The CSV export is streamed to the end; its
peak Python memory is measured with tracemalloc in a separate request.

Two more "pages" measure the floor every page stands on (bench/floor_urls.py): a signed-in
request to a view that answers "ok", and the page layout with nothing in it.

Goals: no page's SQL scans the whole calls table (no "Seq Scan on monitoring_call"); from the
smallest to the largest size each page costs at most 1.5x; at every size each page stays within
its budget, max(6 x the signed-in empty layout, 2 x its own SQL), both measured in the same run
(a light page stays close to Django's own floor, a heavy one close to its SQL); export memory
flat (the same whatever the number of rows). The empty layout is requested just before each of a
page's repetitions, and the median of those sets the page's budget: on a shared machine whose
load changes from minute to minute, the floor and the page are measured at the same moments.

Usage: python bench/pages.py [--calls 100000 1000000] [--repeat 5] [--only PAGE ...]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

GOAL_GROWTH = 1.5
# A page's budget: the larger of these multiples of the empty layout's time and of its own SQL's.
BUDGET_LAYOUTS = 6
BUDGET_SQL = 2
SLOW_SECONDS = 0.5
SEQ_SCAN = re.compile(r"Seq Scan on monitoring_call\b")
PLANS_DIR = common.OUT_DIR / "plans"


# The export window: ~100,000 rows at the seeded ~2,000 calls a day, at every size.
EXPORT_DAYS = 50
KEY_FILE_NAME = "field_encryption_key"  # where DEBUG=true keeps the key the seeding encrypted with


def page_urls(today, number: str, extension: str, contains: str) -> dict[str, str]:
    """The pages measured: name -> URL (the same names at every size)."""
    # The widest range the form allows (366 days).
    year = f"period=custom&start={today - timedelta(days=365)}&end={today}"
    export_100k = f"period=custom&start={today - timedelta(days=EXPORT_DAYS - 1)}&end={today}"
    return {
        # The floor every page stands on (bench/floor_urls.py).
        "floor_bare": "/bench/bare/",
        "floor_layout": "/bench/layout/",
        "dashboard_today": "/?period=today",
        "dashboard_month": "/?period=month",
        "calls_today": "/calls/",
        "calls_month": "/calls/?period=month",
        "calls_year_page1": f"/calls/?{year}",
        "calls_year_deep": f"/calls/?{year}&page=1000",
        "calls_year_status": f"/calls/?{year}&status=no_answer",
        "calls_year_status_deep": f"/calls/?{year}&status=no_answer&page=200",
        "calls_year_direction": f"/calls/?{year}&direction=inbound",
        "calls_year_number": f"/calls/?{year}&number={contains}",
        "calls_year_extension": f"/calls/?{year}&extension={extension}",
        "calls_year_extension_deep": f"/calls/?{year}&extension={extension}&page=100",
        "number_history": f"/numbers/{number}/",
        "export_csv_today": "/calls/export.csv?period=today",
        "export_csv_100k": f"/calls/export.csv?{export_100k}",
    }


def _consume(response) -> tuple[int, int]:
    """(bytes, lines) of a response, read to the end."""
    if response.streaming:
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        return size, lines
    return len(response.content), response.content.count(b"\n")


def _explain(cursor, sql: str) -> str:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
    return "\n".join(row[0] for row in cursor.fetchall())


def _timed(cursor, sql: str, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        cursor.execute(sql)
        while cursor.fetchmany(5000):
            pass
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_page(
    client, name: str, url: str, repeat: int, plans_dir: Path, layout_url: str | None = None
) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get(url):
        return client.get(url, secure=True)  # HTTPS, as behind the production proxy

    started = time.perf_counter()
    response = get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    size, lines = _consume(response)
    # A page that takes seconds (the large export) is timed once; the others --repeat times.
    slow = time.perf_counter() - started > SLOW_SECONDS
    times, layout_times = [], []
    is_export = "export" in name
    for _ in range(1 if slow else repeat):
        if layout_url:
            # The empty layout just before each repetition: the page's budget is set by the
            # floor of the same moment, however busy the (shared) machine is.
            started = time.perf_counter()
            _consume(get(layout_url))
            layout_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        _consume(get(url))
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        _consume(get(url))
    queries = [q["sql"] for q in captured.captured_queries]
    sql_seconds, seq_scans, plans = 0.0, [], []
    with connection.cursor() as cursor:
        for index, sql in enumerate(queries):
            # A streamed export reads through a server-side cursor: DECLARE ... FOR SELECT ...
            declared = re.search(r"\bFOR\s+(SELECT\b.*)", sql, re.S | re.I)
            if sql.lstrip().upper().startswith("DECLARE") and declared:
                sql = declared.group(1)
            statement = sql.lstrip().upper()
            if not statement.startswith(("SELECT", "WITH", "EXPLAIN")):
                continue
            seconds = _timed(cursor, sql)
            sql_seconds += seconds
            # The Calls page's estimated count plans its query (EXPLAIN): timed, nothing to plan.
            if "monitoring_call" not in sql or statement.startswith("EXPLAIN"):
                continue
            plan = _explain(cursor, sql)
            path = plans_dir / f"{name}_{index:02d}.txt"
            path.write_text(f"-- {seconds * 1000:.1f} ms\n{sql}\n\n{plan}\n")
            plans.append(path.name)
            if SEQ_SCAN.search(plan):
                seq_scans.append(path.name)
    result = {
        "url": url,
        "bytes": size,
        "seconds": statistics.median(times),
        "layout_seconds": statistics.median(layout_times) if layout_times else None,
        "queries": len(queries),
        "sql_seconds": sql_seconds,
        "seq_scans": seq_scans,
        "plans": plans,
    }
    if is_export:
        tracemalloc.start()
        _consume(get(url))
        result["peak_python_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
        result["rows"] = lines - 1  # the header
    return result


def budget(page: dict, layout: dict) -> float:
    """The most a page may take: max(6 x the empty layout, 2 x its own SQL), in seconds; the
    layout as timed alongside the page's own repetitions when it was."""
    layout_seconds = page.get("layout_seconds") or layout["seconds"]
    return max(BUDGET_LAYOUTS * layout_seconds, BUDGET_SQL * page["sql_seconds"])


def within_budget(name: str, by_size: dict) -> tuple[float | None, bool | None]:
    """The page's time over its budget at the largest size, and whether it kept within its
    budget at every size (None for the floor itself)."""
    if name.startswith("floor_"):
        return None, None
    ratios = []
    for data in by_size.values():
        page, layout = data["pages"].get(name), data["pages"].get("floor_layout")
        if page is None or layout is None:
            return None, None
        ratios.append(page["seconds"] / budget(page, layout))
    return ratios[-1], all(ratio <= 1 for ratio in ratios)


def child(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.urls import clear_url_caches
    from django.utils import timezone

    from monitoring.models import Call

    settings.ROOT_URLCONF = "bench.floor_urls"
    clear_url_caches()
    client = common.admin_client()
    today = timezone.localdate()
    number = (
        Call.objects.exclude(external_number="")
        .values("external_number")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("external_number", flat=True)[:1][0]
    )
    extension = "115"
    contains = number[2:7]
    urls = page_urls(today, number, extension, contains)
    if args.only:
        urls = {name: url for name, url in urls.items() if name in args.only}
    plans_dir = PLANS_DIR / str(args.size)
    plans_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    layout_url = None if args.only and "floor_layout" not in urls else urls["floor_layout"]
    for name, url in urls.items():
        paired = None if name.startswith("floor_") else layout_url
        results[name] = measure_page(client, name, url, args.repeat, plans_dir, paired)
        r = results[name]
        total_ms, sql_ms = r["seconds"] * 1000, r["sql_seconds"] * 1000
        layout = f"  layout {r['layout_seconds'] * 1000:6.1f} ms" if r["layout_seconds"] else ""
        print(
            f"  {name:28} {total_ms:9.1f} ms  SQL {sql_ms:9.1f} ms  {r['queries']:3} queries"
            f"  seq scans: {len(r['seq_scans'])}{layout}",
            flush=True,
        )
    return {"size": args.size, "calls": Call.objects.count(), "number": number, "pages": results}


def production_env(db: str) -> dict:
    """The child's environment: DEBUG off, with what production settings then require."""
    from django.core.management.utils import get_random_secret_key

    var_dir = Path(os.environ.get("VAR_DIR", common.ROOT / "var"))
    return {
        **os.environ,
        "DATABASE_URL": common.database_url(db),
        "DEBUG": "false",
        "SECRET_KEY": get_random_secret_key(),
        "FIELD_ENCRYPTION_KEY": (var_dir / KEY_FILE_NAME).read_text().strip(),
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": str(common.OUT_DIR / "static"),
    }


def collect_static(env: dict) -> None:
    """The static files and their manifest, which DEBUG off serves pages with."""
    subprocess.run(
        [common.PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=common.ROOT, env=env, check=True,
    )  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="measure only these pages")
    # Not bench/incremental.py's databases: the two may run side by side, and it clones its own.
    parser.add_argument("--db-prefix", default="bench_pages_")
    parser.add_argument("--fresh", action="store_true", help="seed again even if reusable")
    parser.add_argument("--out", default="pages", help="name of the JSON result")
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
        print(f"seeded in {load:.0f} s" if load else "seeded database reused", flush=True)
        cmd = [common.PYTHON, __file__, "--size", str(size), "--repeat", str(args.repeat),
               "--db-prefix", args.db_prefix]  # fmt: skip
        if args.only:
            cmd += ["--only", *args.only]
        env = production_env(db)
        collect_static(env)
        result = subprocess.run(cmd, cwd=common.ROOT, env=env, stdout=subprocess.PIPE, text=True)
        if result.returncode != 0:
            raise SystemExit(f"the page measurements at {size:,} calls failed")
        lines = result.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        by_size[size] = json.loads(lines[-1])

    small, large = by_size[sizes[0]], by_size[sizes[-1]]
    layout = large["pages"].get("floor_layout")
    rows = []
    summary = {}
    for name, big in large["pages"].items():
        little = small["pages"].get(name, big)
        growth = big["seconds"] / little["seconds"] if little["seconds"] else None
        page_budget = budget(big, layout) if layout and not name.startswith("floor_") else None
        of_budget, kept = within_budget(name, by_size)
        seq = sorted({*big["seq_scans"], *little["seq_scans"]})
        goals = {
            "no_seq_scan": not seq,
            "growth_le_1_5": growth <= GOAL_GROWTH if len(sizes) > 1 and growth else None,
            "within_budget": kept,
        }
        summary[name] = {
            "growth": growth, "budget_seconds": page_budget, "of_budget": of_budget, "goals": goals
        }  # fmt: skip
        rows.append([name, little["seconds"] * 1000, big["seconds"] * 1000,
                     big["sql_seconds"] * 1000, page_budget and page_budget * 1000, of_budget,
                     growth, common.verdict(goals["no_seq_scan"]),
                     common.verdict(goals["growth_le_1_5"]),
                     common.verdict(goals["within_budget"])])  # fmt: skip
    print()
    common.print_table(
        ["page", f"ms @{sizes[0]:,}", f"ms @{sizes[-1]:,}", "SQL ms", "budget ms", "of budget",
         "growth", "no seq scan", "growth<=1.5", "<=budget"],
        rows,
    )  # fmt: skip
    if layout:
        print(
            f"\nbudget: max({BUDGET_LAYOUTS} x the empty layout timed alongside the page"
            f" (alone: {layout['seconds'] * 1000:.1f} ms), {BUDGET_SQL} x the page's SQL), at"
            f" {sizes[-1]:,} calls; <=budget: kept at every size"
        )
    exports = [(size, name, page) for size, data in by_size.items()
               for name, page in data["pages"].items() if "export" in name]  # fmt: skip
    if exports:
        print()
        common.print_table(
            ["calls", "export", "rows", "seconds", "rows/s", "peak Python MB"],
            [[size, name, page["rows"], page["seconds"], page["rows"] / page["seconds"],
              page["peak_python_mb"]] for size, name, page in exports],
        )  # fmt: skip
    path = common.write_result(args.out, {"sizes": by_size, "summary": summary})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

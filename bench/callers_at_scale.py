"""Who is calling over a year, at millions of stored calls.

Usage: python bench/callers_at_scale.py --db h5 --calls 1000000 [--repeat 5] [--reference]

Recreates the database, loads --calls calls in time order at 2,000 a day (bench/seed_calls.py:
a longer history, the same year), then indexes them for the callers page page by page, 500 calls
at a time in time order, through ``inbound_index.calls_stored`` as the sync's writer does after
each page (the time of the first and the last 100 pages shows whether a page's upkeep grows with
the history). VACUUM ANALYZE, then the page for the year ending today, signed in as an
administrator: the median of --repeat requests after one to warm up, the SQL time of its queries
(each run again three times, median), and every query's plan searched for a sequential scan of
the calls or of the index. --reference also times the raw implementation (``callers.figures``
over the calls) once. Results: var/bench/callers_<calls>.json.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

PAGE = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--keep", action="store_true", help="measure the database as it is")
    parser.add_argument(
        "--reindex", action="store_true", help="keep the loaded calls, index them again"
    )
    args = parser.parse_args()
    common.use_database(args.db)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    if not (args.keep or args.reindex):
        common.recreate_database(args.db)

    import django

    django.setup()
    from django.db import connection

    result = {"calls": args.calls, "machine": common.machine()}
    if not args.keep:
        result.update(load(args.calls, connection, seeded=args.reindex))
    with connection.cursor() as cursor:
        for table in ("monitoring_call", "monitoring_inboundcall"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    result.update(measure(args.repeat, args.reference, connection))
    path = common.write_result(f"callers_{args.calls}", result)
    print(f"written to {path}")


def load(count: int, connection, seeded: bool = False) -> dict:
    from bench.seed_calls import seed
    from monitoring.analytics import inbound_index
    from monitoring.analytics.models import InboundCall
    from monitoring.models import Call
    from monitoring.sync.writer import commits_without_waiting

    started = time.perf_counter()
    if seeded:
        pbx_id = Call.objects.values_list("pbx_id", flat=True).first()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {InboundCall._meta.db_table}")
    else:
        pbx_id = seed(count, key_prefix="bench:")
        print(f"seeded {count:,} calls in {time.perf_counter() - started:.0f} s", flush=True)
    seeded = time.perf_counter() - started
    page_times = []
    started = time.perf_counter()
    # As the sync's writers do: each page its own transaction, committed without waiting.
    with commits_without_waiting():
        for start in range(0, count, PAGE):
            keys = [f"bench:{n}" for n in range(start, min(start + PAGE, count))]
            # What the writer hands over: the page's rows (only the number is read from them).
            rows = {
                key: {"external_number": number}
                for key, number in Call.objects.filter(pbx_id=pbx_id, key__in=keys)
                .order_by()
                .values_list("key", "external_number")
            }
            began = time.perf_counter()
            inbound_index.calls_stored(pbx_id, rows, all_new=True)
            page_times.append(time.perf_counter() - began)
    indexed = time.perf_counter() - started
    first, last = page_times[:100], page_times[-100:]
    print(
        f"indexed page by page in {indexed:.0f} s: a page {statistics.median(first) * 1000:.1f} ms "
        f"at the start, {statistics.median(last) * 1000:.1f} ms at the end (medians of 100)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM monitoring_inboundcall")
        rows = cursor.fetchone()[0]
    return {
        "seed_seconds": round(seeded, 1),
        "index_seconds": round(indexed, 1),
        "index_page_ms_first_100": round(statistics.median(first) * 1000, 2),
        "index_page_ms_last_100": round(statistics.median(last) * 1000, 2),
        "inbound_rows": rows,
        "stored_calls": Call.objects.count(),
    }


def month_page_ms(client, repeat: int) -> int:
    """The page for this month (the default period): median ms of ``repeat`` after a warm-up."""
    url = "/analytics/callers/?period=month"
    client.get(url, secure=True)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append(time.perf_counter() - started)
    print(f"callers, this month: page {statistics.median(times) * 1000:.0f} ms")
    return round(statistics.median(times) * 1000)


def scan_counts(plans: list[str]) -> dict[str, int]:
    """Plans with a sequential scan of the calls, and of the inbound-call index."""
    return {
        table: sum(f"Seq Scan on {table} " in plan for plan in plans)
        for table in ("monitoring_call", "monitoring_inboundcall")
    }


def measure(repeat: int, reference: bool, connection) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from monitoring.analytics import callers
    from monitoring.periods import days_period, local_today

    today = local_today()
    year = days_period(today - timedelta(days=364), today)
    url = f"/analytics/callers/?period=custom&start={year.first_day}&end={year.last_day}"
    users = get_user_model().objects
    user = users.filter(username="bench-admin").first() or users.create_superuser(
        "bench-admin", password=None
    )
    client = Client()
    client.force_login(user)
    assert client.get(url, secure=True).status_code == 200
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, secure=True)
    sql_seconds, own_seconds, plans = 0.0, 0.0, []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if "monitoring_inboundcall" not in sql and "monitoring_call" not in sql:
                continue
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                runs.append(time.perf_counter() - started)
            sql_seconds += statistics.median(runs)
            if "monitoring_inboundcall" in sql:  # the page's own, not the layout's
                own_seconds += statistics.median(runs)
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    scans = scan_counts(plans)
    page = statistics.median(times)
    print(f"callers, the year: page {page * 1000:.0f} ms, SQL {sql_seconds * 1000:.0f} ms "
          f"(the figures' own {own_seconds * 1000:.0f} ms), sequential scans {scans}")  # fmt: skip
    for plan in plans:
        print(plan, end="\n\n")
    out = {
        "page_ms": round(page * 1000),
        "page_ms_all": [round(t * 1000) for t in times],
        "sql_ms": round(sql_seconds * 1000),
        "figures_sql_ms": round(own_seconds * 1000),
        "month_page_ms": month_page_ms(client, repeat),
        "seq_scans": scans,
        "plans": plans,
    }
    if reference:
        started = time.perf_counter()
        callers.figures(year)
        out["reference_ms"] = round((time.perf_counter() - started) * 1000)
        print(f"the raw implementation over the calls: {out['reference_ms']} ms")
    return out


if __name__ == "__main__":
    main()

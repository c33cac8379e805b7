"""The analytics pages over a year: each page's median time, its SQL time on the calls table and
whether any of its plans scans the whole table.

The seeded calls go to extensions 101-140; for Queues and IVR, 101-103 are listed as call queues,
104 as the IVR and 105 as a ring group in the directory of each PBX that lists no service number
yet (about an eighth of the inbound calls then reach a service number).

Usage (a database seeded by bench/seed_calls.py, then VACUUM ANALYZE monitoring_call):
    DEBUG=true ALLOWED_HOSTS=testserver DATABASE_URL=postgres://.../DB \
        python bench/analytics_pages.py [--year-end 2026-12-06] [--repeat 5]

Each page is requested once to warm up, then --repeat times (median kept), signed in as an
administrator. One more request is captured; each of its queries on the calls table runs again
three times (median) for the SQL time, and its plan (EXPLAIN) is searched for a sequential scan.
"""

import argparse
import os
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def busiest_agent() -> tuple[int, str]:
    """(PBX id, extension) of the extension with the most calls."""
    from django.db.models import Count

    from monitoring.models import Call

    row = (
        Call.objects.exclude(extension="")
        .values("pbx_id", "extension")
        .annotate(calls=Count("id"))
        .order_by("-calls")
        .first()
    )
    return row["pbx_id"], row["extension"]


def pages(year_end: date, agent: tuple[int, str]) -> dict[str, str]:
    year = f"?period=custom&start={year_end - timedelta(days=364)}&end={year_end}"
    agent_page = f"/agents/{agent[0]}/{agent[1]}/"
    return {
        "wallboard": "/wallboard/",
        "dashboard (year, for comparison)": "/" + year,
        "heatmap (year, offered)": "/analytics/heatmap/" + year,
        "heatmap (year, service level)": "/analytics/heatmap/" + year + "&show=service_level",
        "callers (year)": "/analytics/callers/" + year,
        "callers (this month)": "/analytics/callers/?period=month",
        "queues and IVR (year)": "/analytics/queues/" + year,
        "queues and IVR (this month)": "/analytics/queues/?period=month",
        "agents (year)": "/agents/" + year,
        "agents (this month)": "/agents/?period=month",
        "agents export xlsx (year)": "/agents/export.xlsx" + year,
        "agent (year)": agent_page + year,
        "agent (this month)": agent_page + "?period=month",
    }


def ensure_service_numbers() -> None:
    """List 101-105 as service numbers of every PBX whose directory lists none (see above)."""
    from django.utils import timezone

    from monitoring.analytics.queues import SERVICE_KINDS
    from providers.models import DirectoryEntry, PbxConnection

    kinds = {"101": 5, "102": 5, "103": 5, "104": 6, "105": 9}
    for pbx in PbxConnection.objects.exclude(directory__kind__in=SERVICE_KINDS):
        for number, kind in kinds.items():
            DirectoryEntry.objects.update_or_create(
                pbx=pbx,
                number=number,
                defaults={"name": f"Service {number}", "kind": kind, "seen_at": timezone.now()},
            )


def sql_time(captured) -> tuple[float, int]:
    total, scans = 0.0, 0
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if "monitoring_call" not in sql:
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
            # The calls table itself, not monitoring_callback or monitoring_callhour.
            scans += re.search(r"Seq Scan on monitoring_call\b(?!\w)", plan) is not None
    return total, scans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year-end", type=date.fromisoformat, default=date.today())
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    users = get_user_model().objects
    user = users.filter(username="bench-admin").first() or users.create_superuser(
        "bench-admin", password=None
    )
    ensure_service_numbers()
    client = Client()
    client.force_login(user)
    for name, url in pages(args.year_end, busiest_agent()).items():
        client.get(url, secure=True)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(url, secure=True)
        sql, scans = sql_time(captured.captured_queries)
        page = statistics.median(times)
        print(f"{name:34s} page {page * 1000:7.0f} ms  SQL {sql * 1000:7.0f} ms  seq scans {scans}")


if __name__ == "__main__":
    main()

"""The JSON API at scale: reading a whole period of calls page by page, through the cursor.

Against the database DATABASE_URL points at (seed it with bench/seed_calls.py), a Django test
Client presents a supervisor's token and follows `next` from the first page of the period to the
last, --limit calls a page; it prints the pages, the calls, the total time, the median and
slowest page, and the first and last page's times (a cursor page costs the same deep in the
period as at its start: no OFFSET). Then one call by id and the day's figures. Median of
--repeat runs.

Usage: DATABASE_URL=postgres://.../db python bench/api_calls.py [--query period=month] [--limit 500]
       [--repeat 3]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.roles import Role  # noqa: E402
from accounts.testing import make_user  # noqa: E402
from api.tokens import create_token  # noqa: E402


def follow(client, headers, url) -> tuple[int, list[float]]:
    calls, times = 0, []
    while url:
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        calls += len(body["results"])
        url = body["next"]
    return calls, times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--query", default="period=month", help="the filters, as in a URL")
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    settings.ALLOWED_HOSTS = ["testserver"]
    user = get_user_model().objects.filter(username="bench-api").first()
    user = user or make_user("bench-api", Role.SUPERVISOR)
    _row, token = create_token("bench", user)
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        calls, times = follow(client, headers, f"/api/calls/?{args.query}&limit={args.limit}")
        runs.append((time.perf_counter() - started, calls, times))
    total, calls, times = sorted(runs)[len(runs) // 2]
    print(f"{args.query} limit={args.limit}: {calls} calls in {len(times)} pages, "
          f"{total:.2f} s (median of {args.repeat} runs)")  # fmt: skip
    print(f"  page: median {statistics.median(times) * 1000:.0f} ms, slowest "
          f"{max(times) * 1000:.0f} ms, first {times[0] * 1000:.0f} ms, last "
          f"{times[-1] * 1000:.0f} ms")  # fmt: skip
    for url in ("/api/figures/", "/api/calls/?period=month&status=no_answer&limit=500",
                "/api/calls/?period=month&number=90&limit=500"):  # fmt: skip
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            assert client.get(url, headers=headers).status_code == 200
            samples.append(time.perf_counter() - started)
        print(f"  {url}: median {statistics.median(samples) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

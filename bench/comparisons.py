"""What the dashboard's comparisons cost: for each period preset, the period's own summary
(kpis.summary, the query the tiles' figures come from) and comparisons.compared (the summaries of
the earlier periods, one query each, and the badges), median of --repeat runs after a warm-up.

Against the database DATABASE_URL points at (seed it with bench/seed_calls.py, or reuse the one
bench/pages.py seeded).

Usage: DATABASE_URL=postgres://.../db python bench/comparisons.py [--repeat 7]
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

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from monitoring import comparisons, kpis  # noqa: E402
from monitoring.models import Call  # noqa: E402
from monitoring.periods import Preset, resolve_period  # noqa: E402


def median_ms(work, repeat: int) -> float:
    work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{Call.objects.count():,} calls")
    print(f"{'period':12} {'summary ms':>10} {'compared ms':>11} {'queries':>7}  compared with")
    for preset in Preset:
        if preset == Preset.CUSTOM:
            continue
        period = resolve_period(preset)
        current = kpis.summary(period)
        with CaptureQueriesContext(connection) as queries:
            found = comparisons.compared(period, current)
        own = median_ms(lambda period=period: kpis.summary(period), args.repeat)
        added = median_ms(
            lambda period=period, current=current: comparisons.compared(period, current),
            args.repeat,
        )
        print(f"{preset.value:12} {own:10.1f} {added:11.1f} {len(queries):7}  {found.legend}")


if __name__ == "__main__":
    main()

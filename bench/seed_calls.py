"""Load N realistic calls straight into the database with COPY (PostgreSQL), fast.

Usage: DATABASE_URL=postgres://... python bench/seed_calls.py --calls 1000000 [--days 730]
Calls spread over the last --days days with business-hour peaks in Asia/Tashkent, a realistic mix of
directions and statuses, 40 extensions and a pool of external numbers that call back and again.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from monitoring.models import Call  # noqa: E402
from providers.models import PbxConnection  # noqa: E402

HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 10, 14, 15, 14, 11, 13, 15, 14, 12, 9, 6, 4, 3, 2, 1, 1]
STATUSES = [("answered", 4, 70), ("no_answer", 3, 15), ("busy", 2, 7), ("failed", 1, 5),
            ("voicemail", 6, 2), ("barred", 5, 1)]
COLUMNS = (
    "pbx_id, key, started_at, direction, from_number, from_number_normalized, from_name, "
    "to_number, to_number_normalized, to_name, extension, external_number, status, status_code, "
    "total_seconds, talk_seconds, wait_seconds, raw, first_seen_at, last_seen_at"
)


def _rows(pbx_id: int, count: int, days: int, seed: int, key_prefix: str):
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    start = now - timedelta(days=days)
    extensions = [str(n) for n in range(101, 141)]
    numbers = [f"9{rnd.choice('01347')}{rnd.randrange(10**7):07d}" for _ in range(50_000)]
    status_names = [s[0] for s in STATUSES]
    status_weights = [s[2] for s in STATUSES]
    status_codes = {name: code for name, code, _ in STATUSES}
    span = (now - start).total_seconds()
    for n in range(count):
        # Day uniformly, hour by weight (Tashkent is UTC+5).
        day = start + timedelta(seconds=rnd.random() * span)
        hour_local = rnd.choices(range(24), HOUR_WEIGHTS)[0]
        started = day.replace(hour=(hour_local - 5) % 24, minute=rnd.randrange(60),
                              second=rnd.randrange(60), microsecond=0)
        if started > now:
            started -= timedelta(days=1)
        direction = rnd.choices(("inbound", "outbound", "internal"), (60, 30, 10))[0]
        ext = rnd.choice(extensions)
        external = rnd.choice(numbers)
        status = rnd.choices(status_names, status_weights)[0]
        talk = int(rnd.expovariate(1 / 150)) + 5 if status == "answered" else 0
        wait = int(rnd.expovariate(1 / 12))
        if direction == "inbound":
            src, dst, ext_num = "+998" + external, ext, external
        elif direction == "outbound":
            src, dst, ext_num = ext, external, external
        else:
            src, dst, ext_num = ext, rnd.choice(extensions), ""
        raw = {"TIMESTAMP": int(started.timestamp()), "FROM_NUM": src, "TO_NUM": dst,
               "CALL_DURATION": talk + wait, "ANSWERED_DURATION": talk,
               "STATUS": status_codes[status]}
        yield (pbx_id, f"{key_prefix}{n}", started, direction, src, src.lstrip("+"), "",
               dst, dst, "", ext, ext_num, status, status_codes[status], talk + wait, talk, wait,
               json.dumps(raw), now, now)


def seed(count: int, days: int = 730, seed_value: int = 7, pbx_name: str = "Bench PBX",
         key_prefix: str = "bench:") -> int:
    pbx, _ = PbxConnection.objects.get_or_create(
        name=pbx_name, defaults={"host": "127.0.0.1", "username": "bench", "password": "bench"}
    )
    table = Call._meta.db_table
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            for row in _rows(pbx.pk, count, days, seed_value, key_prefix):
                copy.write_row(row)
        cursor.execute(f"ANALYZE {table}")
    return pbx.pk


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark loads data with COPY: point DATABASE_URL at PostgreSQL.")
    started = time.perf_counter()
    seed(args.calls, args.days, args.seed)
    print(f"loaded {args.calls} calls in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()

"""Load N realistic calls straight into PostgreSQL with COPY, fast.

Usage: DATABASE_URL=postgres://.../bench python bench/seed_calls.py --calls 1000000
       [--per-day 2000 | --days 500]

A call center's volume per day does not depend on how much history is stored: more stored calls
mean a *longer* history, not more calls a day. So the calls come at a constant rate, --per-day a
day on average (2,000 by default: 1,000,000 calls reach about 500 days back, 100,000 about 50
days), shaped by weekday (Saturday and Sunday are quiet) and by business hours in Asia/Tashkent;
--days instead spreads the calls over that many days. Today holds only the hours already past.
The rows are written in time order, as a sync writes them, so the table's physical order (and its
ids) follow `started_at` as they do in production. Spreading a growing number of calls over a
fixed span instead would make every day, month and year grow with the table: a page over "this
month" would then look slower with more history only because the month holds more calls.

A realistic mix of directions (60% inbound, 30% outbound, 10% internal) and statuses, 40
extensions and a pool of external numbers that call again (one number per 20 calls, written in
the shapes a PBX passes on: +998..., 998..., 9 digits). Every derived column is computed by the
project's own number functions, so filters and a number's history find these calls as they find
synced ones.

With --fast (the default for more than 200,000 calls) the secondary indexes of the calls table
are dropped during the load and built again afterwards, which is several times faster; the table's
definition is unchanged at the end. ANALYZE runs last, so the planner sees the real distribution.
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

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from monitoring.models import Call  # noqa: E402
from monitoring.numbers import national_number, normalize_number  # noqa: E402
from providers.models import PbxConnection  # noqa: E402

HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 10, 14, 15, 14, 11, 13, 15, 14, 12, 9, 6, 4, 3, 2, 1, 1]
DAY_WEIGHTS = [1, 1, 1, 1, 0.95, 0.45, 0.2]  # Monday .. Sunday
TASHKENT = timedelta(hours=5)
STATUSES = [("answered", 4, 70), ("no_answer", 3, 15), ("busy", 2, 7), ("failed", 1, 5),
            ("voicemail", 6, 2), ("barred", 5, 1)]  # fmt: skip
DIRECTIONS = (("inbound", 60), ("outbound", 30), ("internal", 10))
PER_DAY = 2000
COLUMNS = (
    "pbx_id, key, started_at, direction, from_number, from_number_normalized, from_name, "
    "to_number, to_number_normalized, to_name, extension, external_number, status, status_code, "
    "total_seconds, talk_seconds, wait_seconds, raw, first_seen_at, last_seen_at, line"
)
# The company lines inbound calls dialled, in turn (not drawn: the other values stay as they were).
LINES = ("712000100", "712000200", "781500300")
NAMES = ["", "", "", "", "Anvar", "Shoira opa", "Лола", "OOO Baraka Savdo", "Ирина"]


def _cumulative(weights):
    total, out = 0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _split(count: int, weights: list[float]) -> list[int]:
    """``count`` split in proportion to ``weights`` (largest remainders), adding up exactly."""
    total = sum(weights)
    shares = [count * w / total for w in weights]
    parts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - parts[i], reverse=True)
    for i in by_remainder[: count - sum(parts)]:
        parts[i] += 1
    return parts


def history_days(count: int, per_day: int = PER_DAY) -> int:
    """How many days ``count`` calls reach back at ``per_day`` calls a day on average."""
    return max(1, -(-count // per_day))


def _start_times(rnd: random.Random, count: int, days: int, now: datetime):
    """``count`` start times over the last ``days`` local days (today up to ``now``), in order."""
    today = (now + TASHKENT).date()
    day_list = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    weights = [DAY_WEIGHTS[d.weekday()] for d in day_list]
    # Today is only partly over: its share is the part of its hours' weight already past.
    local_now = now + TASHKENT
    hours_past = (
        sum(HOUR_WEIGHTS[: local_now.hour])
        + HOUR_WEIGHTS[local_now.hour] * (local_now.minute * 60 + local_now.second) / 3600
    )
    weights[-1] *= hours_past / sum(HOUR_WEIGHTS)
    hour_cum = _cumulative(HOUR_WEIGHTS)
    for day, calls in zip(day_list, _split(count, weights), strict=True):
        times = []
        while len(times) < calls:
            hour = rnd.choices(range(24), cum_weights=hour_cum)[0]
            local = datetime(day.year, day.month, day.day, hour, rnd.randrange(60),
                             rnd.randrange(60))  # fmt: skip
            started = (local - TASHKENT).replace(tzinfo=UTC)
            if started <= now:  # today's later hours have not happened yet
                times.append(started)
        times.sort()
        yield from times


def _rows(pbx_id: int, count: int, days: int, seed: int, key_prefix: str, now: datetime):
    rnd = random.Random(seed)
    extensions = [str(n) for n in range(101, 141)]
    ext_names = {ext: f"Operator {ext}" for ext in extensions}
    pool = [f"{rnd.choice(('90', '91', '93', '94', '97', '99', '71'))}{rnd.randrange(10**7):07d}"
            for _ in range(max(50, min(50_000, count // 20)))]  # fmt: skip
    dir_names, dir_cum = [d for d, _w in DIRECTIONS], _cumulative([w for _d, w in DIRECTIONS])
    st_names = [s[0] for s in STATUSES]
    st_cum = _cumulative([s[2] for s in STATUSES])
    st_codes = {name: code for name, code, _w in STATUSES}
    choices = rnd.choices
    for n, started in enumerate(_start_times(rnd, count, days, now)):
        direction = choices(dir_names, cum_weights=dir_cum)[0]
        ext = rnd.choice(extensions)
        nsn = rnd.choice(pool)
        written = rnd.choice((f"+998{nsn}", f"998{nsn}", nsn))
        status = choices(st_names, cum_weights=st_cum)[0]
        talk = int(rnd.expovariate(1 / 150)) + 5 if status == "answered" else 0
        wait = int(rnd.expovariate(1 / 12))
        if direction == "inbound":
            src, src_name, dst, dst_name = written, rnd.choice(NAMES), ext, ext_names[ext]
        elif direction == "outbound":
            src, src_name, dst, dst_name = ext, ext_names[ext], written.lstrip("+"), ""
        else:
            other = rnd.choice(extensions)
            src, src_name, dst, dst_name = ext, ext_names[ext], other, ext_names[other]
        outside = src if direction == "inbound" else dst
        external = "" if direction == "internal" else national_number(outside)
        raw = {"TIMESTAMP": int(started.timestamp()), "FROM_NUM": src, "FROM_NAME": src_name,
               "TO_NUM": dst, "TO_NAME": dst_name, "CALL_DURATION": talk + wait,
               "ANSWERED_DURATION": talk, "STATUS": st_codes[status]}  # fmt: skip
        yield (pbx_id, f"{key_prefix}{n}", started, direction, src, normalize_number(src),
               src_name, dst, normalize_number(dst), dst_name, ext, external, status,
               st_codes[status], talk + wait, talk, wait, json.dumps(raw, ensure_ascii=False),
               now, now, LINES[n % len(LINES)] if direction == "inbound" else "")  # fmt: skip


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        """,
        [table],
    )
    return cursor.fetchall()


def seed(count: int, days: int | None = None, seed_value: int = 7, pbx_name: str = "Bench PBX",
         key_prefix: str = "bench:", fast: bool | None = None) -> int:  # fmt: skip
    """COPY ``count`` calls of the PBX named ``pbx_name`` (created if needed), in time order, over
    ``days`` days (by default as many as PER_DAY calls a day need); returns the PBX's id."""
    days = days or history_days(count)
    if connection.vendor != "postgresql":
        raise RuntimeError("seed_calls loads data with COPY: point DATABASE_URL at PostgreSQL.")
    pbx, _ = PbxConnection.objects.get_or_create(
        name=pbx_name, defaults={"host": "127.0.0.1", "username": "bench", "password": "bench"}
    )
    fast = count > 200_000 if fast is None else fast
    table = Call._meta.db_table
    now = datetime.now(UTC).replace(microsecond=0)
    # One transaction: if the load fails, the dropped indexes come back with the rollback.
    with transaction.atomic(), connection.cursor() as cursor:
        dropped = _secondary_indexes(cursor, table) if fast else []
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            for row in _rows(pbx.pk, count, days, seed_value, key_prefix, now):
                copy.write_row(row)
        # Check the deferred foreign key now: an index cannot be built over pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in dropped:
            cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}")
    return pbx.pk


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, required=True)
    span = parser.add_mutually_exclusive_group()
    span.add_argument("--per-day", type=int, default=PER_DAY, help="average calls a day")
    span.add_argument("--days", type=int, help="spread the calls over this many days instead")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pbx-name", default="Bench PBX")
    parser.add_argument("--key-prefix", default="bench:")
    fast = parser.add_mutually_exclusive_group()
    fast.add_argument(
        "--fast",
        dest="fast",
        action="store_true",
        default=None,
        help="drop the secondary indexes during the load (default above 200,000)",
    )
    fast.add_argument("--no-fast", dest="fast", action="store_false")  # fmt: skip
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark loads data with COPY: point DATABASE_URL at PostgreSQL.")
    started = time.perf_counter()
    days = args.days or history_days(args.calls, args.per_day)
    seed(args.calls, days, args.seed, args.pbx_name, args.key_prefix, args.fast)
    print(f"loaded {args.calls:,} calls over {days} days in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()

"""What keeping the inbound-call index costs the sync's writer.

Usage: python bench/callers_upkeep.py --db h5 [--calls 200000] [--rounds 2]

Writes --calls realistic calls (bench/seed_calls.py's, in time order) page by page, 500 a page,
through the sync's own ``CallWriter`` as one writer thread does (commits without waiting), once
with the index kept and once without (``inbound_index.calls_stored`` replaced by nothing),
alternating for --rounds rounds on emptied tables. Prints the writer's total time of each.
The database's calls are deleted: use a database of your own.
"""

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

PAGE = 500


def pages(pbx_id: int, count: int):
    from bench.seed_calls import COLUMNS, _rows, history_days

    names = [name.strip() for name in COLUMNS.split(",")]
    now = datetime.now(UTC).replace(microsecond=0)
    page = {}
    for values in _rows(pbx_id, count, history_days(count), 7, "upkeep:", now):
        row = dict(zip(names, values, strict=True))
        key = row.pop("key")
        for name in ("pbx_id", "first_seen_at", "last_seen_at"):
            row.pop(name)
        row["raw"] = json.loads(row["raw"])
        page[key] = row
        if len(page) == PAGE:
            yield page
            page = {}
    if page:
        yield page


def write_all(pbx_id: int, prepared: list, keep_index: bool) -> float:
    from django.db import connection
    from django.utils import timezone

    from monitoring.analytics import inbound_index
    from monitoring.sync.writer import CallWriter, commits_without_waiting

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE monitoring_call, monitoring_inboundcall")
    kept = inbound_index.calls_stored
    if not keep_index:
        inbound_index.calls_stored = lambda *args, **kwargs: None
    try:
        writer = CallWriter(pbx_id)
        started = time.perf_counter()
        with commits_without_waiting():
            for page in prepared:
                writer.write(page, timezone.now())
        return time.perf_counter() - started
    finally:
        inbound_index.calls_stored = kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    common.use_database(args.db)
    import django

    django.setup()
    from monitoring.sync.writer import page_preparer
    from providers.models import PbxConnection

    pbx, _ = PbxConnection.objects.get_or_create(
        name="Upkeep PBX", defaults={"host": "127.0.0.1", "username": "b", "password": "b"}
    )
    prepare = page_preparer()
    prepared = [prepare(page) for page in pages(pbx.pk, args.calls)]
    times = {True: [], False: []}
    for _ in range(args.rounds):
        for keep in (False, True):
            times[keep].append(write_all(pbx.pk, prepared, keep))
            print(f"index {'kept' if keep else 'not kept'}: {times[keep][-1]:.1f} s", flush=True)
    without, with_index = statistics.median(times[False]), statistics.median(times[True])
    print(
        f"{args.calls:,} calls: writer {without:.1f} s without the index, {with_index:.1f} s "
        f"with it ({with_index / without:.2f}x)"
    )
    common.write_result(
        f"callers_upkeep_{args.calls}",
        {"calls": args.calls, "without_s": times[False], "with_s": times[True]},
    )


if __name__ == "__main__":
    main()

"""Sync throughput and memory: the real sync against a physical-limit baseline.

The simulator runs in its own process (bench/simulator.py, the kerio_simulator command) with
--records history records. Each measurement runs in a fresh child process, on an empty database:

- sync: ``monitoring.sync.sync_pbx(pbx, full=True)`` with the project's settings (the calls'
  foreign key and trigram index included);
- baseline: the same pages fetched with plain ``requests`` (same login, same page size) and the raw
  records COPYed into an unindexed table, nothing else.

Reported: records/s of both, their ratio, each child's peak RSS (its own VmHWM, cross-checked
with getrusage(RUSAGE_CHILDREN)), and the CPU seconds of the child's Python, of the PostgreSQL
server (all its processes: the sync writes over several connections) and of the simulator while
it served the child. ``--compare-writers N`` also runs, in each repetition, the sync storing its
pages over N connections instead of the setting's (SYNC_WRITERS), for a comparison in the same
run.
Goals: sync time <= 2.5x baseline, stated with the CPU model it was measured on (from
/proc/cpuinfo); sync peak RSS <= 250 MB and, at the largest size, <= 1.2x the figure at the
smallest. PostgreSQL's CPU seconds per 100,000 records are reported for both, to tell the
database's share of the cost from the sync's own.

Usage: python bench/sync_throughput.py [--records 200000 1000000] [--repeat 2] [--db bench_sync]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

GOAL_RATIO = 2.5
GOAL_RSS_MB = 250
GOAL_RSS_GROWTH = 1.2


# -- children ---------------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a local process (this one by default), from /proc."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = _stat(pid)
    except OSError:
        return float("nan")  # PostgreSQL on another host or user: not measurable here
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(backend: int) -> float:
    """CPU time of the whole local PostgreSQL server that runs ``backend``: its postmaster, every
    live server process, and the processes that have ended (their time is added to the
    postmaster's). A sync writes over several connections that end with it; the server's own
    work for them (WAL writing, checkpoints) counts too."""
    try:
        postmaster = int(_stat(backend)[1])
        fields = _stat(postmaster)
    except OSError:
        return float("nan")
    ticks = sum(int(value) for value in fields[11:15])  # own and ended children's time
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = _stat(int(entry.name))
            except OSError:
                continue
            if int(child[1]) == postmaster:
                ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def backend_pid(cursor) -> int:
    cursor.execute("SELECT pg_backend_pid()")
    return cursor.fetchone()[0]


def child_sync(args) -> dict:
    import django

    django.setup()
    from django.db import connection

    from monitoring.models import SyncRun
    from monitoring.sync import sync_pbx
    from providers.models import PbxConnection

    fields = json.loads(args.pbx)
    pbx, _ = PbxConnection.objects.update_or_create(name="Bench sync PBX", defaults=fields)
    with connection.cursor() as cursor:
        postgres = backend_pid(cursor)
    rss_before = common.own_peak_rss_mb()
    cpu_before = cpu_seconds(), postgres_cpu_seconds(postgres)
    started = time.perf_counter()
    run = sync_pbx(pbx, trigger=SyncRun.Trigger.COMMAND, full=True)
    elapsed = time.perf_counter() - started
    time.sleep(0.5)  # the writers' server processes end after their connections close
    cpu = cpu_seconds() - cpu_before[0], postgres_cpu_seconds(postgres) - cpu_before[1]
    from monitoring.models import Call

    return {
        "seconds": elapsed,
        "pages": run.pages,
        "fetched": run.fetched,
        "created": run.created,
        "stored": Call.objects.count(),
        "rss_before_mb": rss_before,
        "peak_rss_mb": common.own_peak_rss_mb(),
        "cpu_python_seconds": cpu[0],
        "cpu_postgres_seconds": cpu[1],
    }


def child_baseline(args) -> dict:
    import psycopg
    import requests

    fields = json.loads(args.pbx)
    url = f"http://{fields['host']}:{fields['port']}/admin/api/jsonrpc/"
    rss_before = common.own_peak_rss_mb()
    started = time.perf_counter()
    python_cpu_at_start = cpu_seconds()
    session = requests.Session()
    login = {
        "jsonrpc": "2.0", "id": 1, "method": "Session.login",
        "params": {"userName": fields["username"], "password": fields["password"],
                   "application": {"name": "bench", "vendor": "bench", "version": "1"}},
    }  # fmt: skip
    token = session.post(url, json=login, timeout=60).json()["result"]["token"]
    headers = {"X-Token": token}
    fetched = pages = 0
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        postgres = conn.info.backend_pid
        cpu_before = python_cpu_at_start, postgres_cpu_seconds(postgres)
        conn.execute("DROP TABLE IF EXISTS bench_raw_history")
        conn.execute("CREATE TABLE bench_raw_history (raw jsonb)")
        start, request_id = 0, 1
        while True:
            request_id += 1
            query = {
                "orderBy": [{"columnName": "TIMESTAMP", "direction": "Desc"}],
                "start": start, "limit": args.page_size, "combining": "And", "conditions": [],
            }  # fmt: skip
            body = {"jsonrpc": "2.0", "id": request_id, "method": "CallHistory.get",
                    "params": {"query": query}}  # fmt: skip
            records = session.post(url, json=body, headers=headers, timeout=60).json()["result"][
                "callHistory"
            ]
            pages += 1
            if not records:
                break
            with (
                conn.transaction(),
                conn.cursor() as cursor,
                cursor.copy("COPY bench_raw_history (raw) FROM STDIN") as copy,
            ):
                for record in records:
                    copy.write_row((json.dumps(record),))
            fetched += len(records)
            start += len(records)
        stored = conn.execute("SELECT count(*) FROM bench_raw_history").fetchone()[0]
        cpu = cpu_seconds() - cpu_before[0], postgres_cpu_seconds(postgres) - cpu_before[1]
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "pages": pages,
        "fetched": fetched,
        "stored": stored,
        "rss_before_mb": rss_before,
        "peak_rss_mb": common.own_peak_rss_mb(),
        "cpu_python_seconds": cpu[0],
        "cpu_postgres_seconds": cpu[1],
    }


def run_child(kind: str, db: str, pbx_fields: dict, page_size: int) -> dict:
    """Run one measurement: "baseline", "sync", or "sync-N" (the sync with N writers)."""
    child, _, writers = kind.partition("-")
    cmd = [
        common.PYTHON, __file__, "--child", child, "--db", db,
        "--pbx", json.dumps(pbx_fields), "--page-size", str(page_size),
    ]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": common.database_url(db), "DEBUG": "true"}
    env["SYNC_PAGE_SIZE"] = str(page_size)
    if writers:
        env["SYNC_WRITERS"] = writers
    result = subprocess.run(cmd, cwd=common.ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise RuntimeError(f"the {kind} child failed ({result.returncode})")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["children_max_rss_mb"] = common.child_peak_rss_mb()
    return data


# -- the parent -------------------------------------------------------------------------------


def measure(
    size: int, repeat: int, db: str, page_size: int, days: int, compare_writers: int | None = None
) -> dict:
    print(f"\n== {size:,} history records (simulator page cap {page_size}) ==", flush=True)
    started = time.perf_counter()
    runs = {"sync": [], "baseline": []}
    if compare_writers:
        runs[f"sync-{compare_writers}"] = []
    with common.SimulatorProcess(size, days=days, page_cap=page_size) as sim:
        print(f"simulator ready in {time.perf_counter() - started:.0f} s", flush=True)
        for attempt in range(repeat):
            for kind in runs:
                common.recreate_database(db)
                simulator_cpu = cpu_seconds(sim.process.pid)
                data = run_child(kind, db, sim.pbx_fields(), page_size)
                data["cpu_simulator_seconds"] = cpu_seconds(sim.process.pid) - simulator_cpu
                data["records_per_second"] = data["fetched"] / data["seconds"]
                runs[kind].append(data)
                print(
                    f"  {kind:8} #{attempt + 1}: {data['seconds']:7.1f} s "
                    f"{data['records_per_second']:8.0f} rec/s  stored {data['stored']:,}  "
                    f"peak RSS {data['peak_rss_mb']:.0f} MB  CPU: Python "
                    f"{data['cpu_python_seconds']:.1f} s, PostgreSQL "
                    f"{data['cpu_postgres_seconds']:.1f} s, simulator "
                    f"{data['cpu_simulator_seconds']:.1f} s",
                    flush=True,
                )
    sync = _compared(runs, "sync")
    sync_s = sync["seconds"]
    postgres_per_100k = {
        kind: common.median(r["cpu_postgres_seconds"] for r in runs[kind]) * 100_000 / size
        for kind in ("sync", "baseline")
    }
    base_s = common.median(r["seconds"] for r in runs["baseline"])
    return {
        "records": size,
        "page_size": page_size,
        "runs": runs,
        "sync_seconds": sync_s,
        "baseline_seconds": base_s,
        "sync_records_per_second": size / sync_s,
        "baseline_records_per_second": size / base_s,
        "ratio": sync["ratio"],
        "sync_peak_rss_mb": max(r["peak_rss_mb"] for r in runs["sync"]),
        "baseline_peak_rss_mb": max(r["peak_rss_mb"] for r in runs["baseline"]),
        "postgres_cpu_seconds_per_100k": postgres_per_100k,
        "stored_ok": all(r["stored"] == r["created"] for r in runs["sync"]),
        **({"compared": _compared(runs, f"sync-{compare_writers}")} if compare_writers else {}),
    }


def _compared(runs: dict, kind: str) -> dict:
    """The median time of the ``kind`` runs, and the median of their ratios to the baseline run
    of the same repetition."""
    ratios = [s["seconds"] / b["seconds"] for s, b in zip(runs[kind], runs["baseline"],
                                                          strict=True)]  # fmt: skip
    return {
        "kind": kind,
        "seconds": common.median(r["seconds"] for r in runs[kind]),
        "ratio": common.median(ratios),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[200_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--db", default="bench_sync")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--days", type=int, default=0, help="history span (default: ~7,000/day)")
    parser.add_argument("--out", default="sync_throughput", help="name of the JSON result")
    parser.add_argument(
        "--compare-writers", type=int, help="also run the sync with this many connections"
    )
    parser.add_argument("--child", choices=["sync", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--pbx", help=argparse.SUPPRESS)
    args = parser.parse_args()
    common.use_database(args.db)

    if args.child:
        result = (child_sync if args.child == "sync" else child_baseline)(args)
        print(json.dumps(result))
        return

    results = []
    for size in args.records:
        days = args.days or max(30, size // 7000)
        results.append(
            measure(size, args.repeat, args.db, args.page_size, days, args.compare_writers)
        )

    smallest = min(results, key=lambda r: r["records"])
    cpu = common.machine()
    cpu_model = f"{cpu['cpu_model']} ({cpu['cpus']} CPUs)"
    rows = []
    for r in results:
        growth = r["sync_peak_rss_mb"] / smallest["sync_peak_rss_mb"]
        r["rss_growth_vs_smallest"] = growth
        r["goals"] = {
            "time_ratio_le_2_5": r["ratio"] <= GOAL_RATIO,
            "peak_rss_le_250mb": r["sync_peak_rss_mb"] <= GOAL_RSS_MB,
            "rss_growth_le_1_2": growth <= GOAL_RSS_GROWTH if r is not smallest else None,
        }
        rows.append([
            r["records"], r["sync_records_per_second"], r["baseline_records_per_second"],
            r["ratio"], r["postgres_cpu_seconds_per_100k"]["sync"],
            r["postgres_cpu_seconds_per_100k"]["baseline"],
            r["sync_peak_rss_mb"], r["baseline_peak_rss_mb"], growth,
            common.verdict(r["goals"]["time_ratio_le_2_5"]),
            common.verdict(r["goals"]["peak_rss_le_250mb"]),
            common.verdict(r["goals"]["rss_growth_le_1_2"]),
        ])  # fmt: skip
    print(f"\nCPU: {cpu_model}")
    common.print_table(
        ["records", "sync rec/s", "base rec/s", "time ratio", "PG CPU s/100k sync",
         "PG CPU s/100k base", "sync RSS MB", "base RSS MB", "RSS growth", "ratio<=2.5",
         "RSS<=250", "growth<=1.2"],
        rows,
    )  # fmt: skip
    for r in results:
        print(
            f"{r['records']:,} records: the full sync takes {r['ratio']:.2f}x the index-free "
            f"fetch + COPY baseline on {cpu_model}; PostgreSQL spends "
            f"{r['postgres_cpu_seconds_per_100k']['sync']:.1f} CPU s per 100,000 records "
            f"(baseline {r['postgres_cpu_seconds_per_100k']['baseline']:.1f} s)"
        )
    for r in results:
        if "compared" in r:
            c = r["compared"]
            print(
                f"{r['records']:,} records, {c['kind']}: median {c['seconds']:.1f} s, "
                f"time ratio {c['ratio']:.3f} (the sync with the setting's writers: "
                f"{r['sync_seconds']:.1f} s, {r['ratio']:.3f})"
            )
    path = common.write_result(args.out, {"cpu_model": cpu_model, "results": results})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

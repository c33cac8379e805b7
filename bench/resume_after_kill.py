"""Time to resume after a killed worker, in the production shape: a Celery worker and a separate
beat on Redis and PostgreSQL with the product's default intervals.

The simulator runs in this process (plain HTTP) with --records history records and answers each
CallHistory.get after --page-delay seconds, so a full sync lasts a while. A sync is queued as
"Sync now" does; once the worker's run has stored a few pages, the worker's whole process group
is SIGKILLed and a new worker started at once, as a supervisor (compose's restart policy) would.
Reported, over --repeat kills: the seconds from the kill until the next run took the PBX over
(the dead run's lease ran out, then the schedule's next tick), and until every record was stored
exactly once. Each repetition starts on a fresh database.

Usage: REDIS_URL=redis://127.0.0.1:6379/N python bench/resume_after_kill.py [--records 5000]
       [--page-size 100] [--page-delay 0.5] [--repeat 3] [--db bench_resume]
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def celery(role: str, log: Path, schedule: Path) -> subprocess.Popen:
    """A worker or beat in its own process group, as the compose file starts them."""
    args = ["-A", "callcenter", role, "--loglevel", "info"]
    if role == "worker":
        args += ["--concurrency", "2", "--hostname", f"bench-{time.monotonic_ns()}@%h"]
    else:
        args += ["--schedule", str(schedule)]
    return subprocess.Popen(
        [common.PYTHON, "-m", "celery", *args],
        cwd=common.ROOT,
        env=dict(os.environ),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while (value := condition()) in (None, False):
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.1)
    return value


def one_kill(args, simulator, workdir: Path, attempt: int) -> dict:
    from django.db import connection

    from monitoring import tasks
    from monitoring.models import Call, SyncRun
    from providers.models import PbxConnection

    connection.close()
    common.recreate_database(args.db)
    pbx = PbxConnection.objects.create(
        name="Bench PBX", host="127.0.0.1", port=simulator.port, username="admin",
        password=common.SIM_PASSWORD, use_tls=False, verify_tls=False, timeout_seconds=60,
    )  # fmt: skip
    log = workdir / f"celery-{attempt}.log"
    schedule = workdir / f"beat-schedule-{attempt}"
    beat = celery("beat", log, schedule)
    worker = celery("worker", log, schedule)
    try:
        tasks.sync_pbx.delay(pbx.pk, trigger=SyncRun.Trigger.BUTTON.value)
        first = wait_until(
            lambda: SyncRun.objects.filter(pbx=pbx).first(), 120, "the worker to start the sync"
        )
        wait_until(
            lambda: Call.objects.filter(pbx=pbx).count() >= 3 * args.page_size,
            120,
            "a few pages to be stored",
        )
        stop(worker, signal.SIGKILL)
        killed = time.monotonic()
        stored_at_kill = Call.objects.filter(pbx=pbx).count()
        worker = celery("worker", log, schedule)
        wait_until(
            lambda: SyncRun.objects.filter(pbx=pbx).exclude(pk=first.pk).exists(),
            600,
            "the next run to take over",
        )
        took_over = time.monotonic() - killed
        wait_until(
            lambda: SyncRun.objects.filter(pbx=pbx, outcome=SyncRun.Outcome.SUCCESS).exists(),
            600,
            "the next run to succeed",
        )
        done = time.monotonic() - killed
        first.refresh_from_db()
        stored = Call.objects.filter(pbx=pbx).count()
    finally:
        stop(worker)
        stop(beat)
    result = {
        "stored_at_kill": stored_at_kill,
        "seconds_to_takeover": took_over,
        "seconds_to_all_stored": done,
        "stored": stored,
        "exact": stored == args.records,
        "killed_run": {"outcome": first.outcome, "error": first.error},
    }
    print(
        f"  kill #{attempt}: {stored_at_kill:,} stored at the kill; taken over after "
        f"{took_over:.1f} s, all {stored:,} stored after {done:.1f} s "
        f"({'exact' if result['exact'] else 'NOT EXACT'}); the killed run: {first.outcome}",
        flush=True,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--page-delay", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default="bench_resume")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: the worker and beat run on Redis, as in production.")
    common.use_database(args.db)
    os.environ["SYNC_PAGE_SIZE"] = str(args.page_size)
    common.recreate_database(args.db)

    import django

    django.setup()
    from django.conf import settings

    from providers.kerio.simulator import KerioSimulator

    simulator = KerioSimulator(
        tls=False, history_size=args.records, page_cap=args.page_size, password=common.SIM_PASSWORD
    ).start()
    simulator.on_history_request = lambda state, query: time.sleep(args.page_delay)
    print(
        f"{args.records:,} records, pages of {args.page_size} answered after {args.page_delay} s; "
        f"SYNC_INTERVAL_SECONDS={settings.SYNC_INTERVAL_SECONDS}, "
        f"SYNC_LOCK_LEASE_SECONDS={settings.SYNC_LOCK_LEASE_SECONDS}",
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="bench-resume-") as workdir:
            kills = [one_kill(args, simulator, Path(workdir), n + 1) for n in range(args.repeat)]
    finally:
        simulator.stop()
    takeover = common.median(k["seconds_to_takeover"] for k in kills)
    done = common.median(k["seconds_to_all_stored"] for k in kills)
    print(
        f"\nmedian of {len(kills)}: taken over {takeover:.1f} s after the kill, every record "
        f"stored {done:.1f} s after it; exact every time: {all(k['exact'] for k in kills)}"
    )
    path = common.write_result(
        "resume_after_kill",
        {
            "records": args.records,
            "page_size": args.page_size,
            "page_delay": args.page_delay,
            "sync_interval_seconds": settings.SYNC_INTERVAL_SECONDS,
            "lease_seconds": settings.SYNC_LOCK_LEASE_SECONDS,
            "kills": kills,
            "median_seconds_to_takeover": takeover,
            "median_seconds_to_all_stored": done,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""A large XLSX export as the worker writes it: progress over time and the total, at 500,000 rows.

A database seeded with --calls calls (bench/seed_calls.py, kept between runs), an administrator,
and one export job over every stored call (a custom period from the first call's day to today),
run by `monitoring.export_jobs.run_job` — the function the Celery task calls — in a thread, while
the main thread reads the job's progress from the database every --sample seconds, as the
progress page does. Reported: the progress timeline (seconds, rows written, percent), the total
time, rows a second, the file's size and the process's peak memory.

Usage: python bench/export_job.py [--calls 500000] [--db bench_export_500000] [--sample 2]
"""

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--sample", type=float, default=2.0)
    parser.add_argument("--out", default="export_job", help="name of the JSON result")
    args = parser.parse_args()
    db = args.db or f"bench_export_{args.calls}"
    common.use_database(db)
    load = common.seeded_database(db, args.calls)

    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from monitoring import export_jobs
    from monitoring.models import Call, ExportJob

    settings.VAR_DIR = Path(tempfile.mkdtemp(prefix="bench-export-"))
    common.admin_client()  # creates the administrator
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="bench-admin")
    first = timezone.localtime(Call.objects.order_by("started_at").first().started_at).date()
    query = f"period=custom&start={first}&end={timezone.localdate()}"
    job = export_jobs.create_job(admin, query, "calls.xlsx")

    timeline = []
    started = time.perf_counter()
    worker = threading.Thread(target=export_jobs.run_job, args=[job.pk])
    worker.start()
    while worker.is_alive():
        worker.join(args.sample)
        state = ExportJob.objects.get(pk=job.pk)
        timeline.append(
            [round(time.perf_counter() - started, 1), state.rows_done, state.percent, state.status]
        )
    total = time.perf_counter() - started
    job.refresh_from_db()
    size_mb = job.path.stat().st_size / 1024 / 1024 if job.path.exists() else None

    common.print_table(["seconds", "rows written", "percent", "status"], timeline)
    print()
    common.print_table(
        ["calls", "status", "total s", "rows/s", "file MB", "peak RSS MB", "seeding s"],
        [[job.rows_total, job.status, total, (job.rows_total or 0) / total, size_mb,
          common.own_peak_rss_mb(), load]],
    )  # fmt: skip
    common.write_result(
        args.out,
        {
            "calls": job.rows_total,
            "status": job.status,
            "seconds": total,
            "rows_per_second": (job.rows_total or 0) / total,
            "file_mb": size_mb,
            "peak_rss_mb": common.own_peak_rss_mb(),
            "timeline": timeline,
        },
    )
    job.path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

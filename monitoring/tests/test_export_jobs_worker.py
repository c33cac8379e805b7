"""End to end: a large export asked for on the Calls page is written by a real Celery worker,
its progress reaches the page, and the file downloads. Needs PostgreSQL and Redis."""

import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.models import ExportJob
from monitoring.tests.factories import DAY, day_query, local, make_call, make_pbx
from monitoring.tests.worker import running_worker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_the_worker_writes_a_large_export_for_download(admin_client, settings, tmp_path):
    settings.EXPORT_INLINE_ROWS = 10
    settings.VAR_DIR = tmp_path
    pbx = make_pbx()
    for minute in range(30):
        make_call(pbx, local(DAY, 10, minute), from_name=f"Caller {minute}")

    with running_worker(tmp_path, VAR_DIR=str(tmp_path)):
        url = reverse("call_export_xlsx") + "?" + urlencode(day_query())
        job_page = admin_client.post(url)["Location"]
        job = ExportJob.objects.get()
        assert wait_for(lambda: ExportJob.objects.get().finished, timeout=60)

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 30, 30)
    assert "Ready" in admin_client.get(job_page).content.decode()
    download = admin_client.get(reverse("export_download", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    names = [row[3] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert names == [f"Caller {minute}" for minute in reversed(range(30))]

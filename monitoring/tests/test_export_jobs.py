"""Large XLSX exports run as background jobs: asked for with a form, written by the worker
with its progress shown, downloaded by the user who asked for it alone, removed when old."""

import datetime as dt
import io
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from accounts.testing import make_user
from monitoring import export_jobs, tasks
from monitoring.export_xlsx import write_xlsx
from monitoring.models import Call, ExportJob
from monitoring.tests.factories import DAY, day_query, local, make_call, make_pbx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limit(settings, tmp_path):
    """Three calls are "large" here, and the files go to a directory of the test's own."""
    settings.EXPORT_INLINE_ROWS = 2
    settings.VAR_DIR = tmp_path


@pytest.fixture
def queued(monkeypatch):
    """The jobs handed to the worker's queue (run them with `export_jobs.run_job`)."""
    jobs = []
    monkeypatch.setattr(tasks.export_calls, "delay", jobs.append)
    return jobs


@pytest.fixture
def calls():
    pbx = make_pbx()
    return [
        make_call(
            pbx,
            local(DAY, 9 + hour),
            from_name=f"Caller {hour}",
            extension=extension,
            to_number=extension,
        )
        for hour, extension in enumerate(["101", "101", "205", "101"])
    ]


def workbook_rows(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def running_job(user, *, total: int, done: int) -> ExportJob:
    """A job the worker is writing: `done` of `total` rows so far."""
    return ExportJob.objects.create(
        user=user, filename="calls.xlsx", status="running", rows_total=total, rows_done=done
    )


def start(client, **filters):
    url = reverse("call_export_xlsx") + "?" + urlencode(day_query(**filters))
    return client.post(url)


def test_a_large_export_is_asked_for_with_a_form_and_queues_nothing_until_sent(
    admin_client, calls, queued
):
    page = admin_client.get(reverse("call_export_xlsx"), day_query())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="post"' in html and "Prepare the file" in html
    assert not ExportJob.objects.exists() and not queued


def test_the_job_shows_its_progress_then_a_download_of_the_filtered_calls(
    admin_client, admin_user, calls, queued
):
    response = start(admin_client)
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("export_job", args=[job.pk])
    assert queued == [str(job.pk)] and job.user == admin_user

    html = admin_client.get(response["Location"]).content.decode()
    assert "Waiting for the worker" in html
    assert '<progress max="100" value="0">' in html
    assert f'hx-get="{reverse("export_job", args=[job.pk])}"' in html  # htmx refreshes it
    assert '<noscript><meta http-equiv="refresh"' in html  # and so does the page without it

    export_jobs.run_job(job.pk)
    html = admin_client.get(response["Location"]).content.decode()
    assert "Ready" in html and '<progress max="100" value="100">' in html
    assert "hx-get" not in html and "http-equiv" not in html
    download = admin_client.get(reverse("export_download", args=[job.pk]))
    assert download["Content-Disposition"].startswith('attachment; filename="calls_')
    rows = workbook_rows(b"".join(download.streaming_content))
    assert [row[3] for row in rows[1:]] == ["Caller 3", "Caller 2", "Caller 1", "Caller 0"]


def test_the_progress_fragment_counts_the_rows_written(admin_client, admin_user):
    job = running_job(admin_user, total=5000, done=2000)
    fragment = admin_client.get(reverse("export_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html
    assert '<progress max="100" value="40">' in html
    assert "2,000 of 5,000 calls written (40%)." in html


def test_the_writer_reports_progress_every_chunk_and_when_every_row_is_written(calls, monkeypatch):
    monkeypatch.setattr("monitoring.export_xlsx.CHUNK_SIZE", 3)
    seen = []
    rows = write_xlsx(Call.objects.all(), io.BytesIO(), seen.append, lambda: seen.append("all"))
    assert rows == 4
    assert seen == [3, "all"]


def test_while_the_file_is_packed_the_page_says_so(admin_client, admin_user):
    job = running_job(admin_user, total=50, done=50)
    html = admin_client.get(reverse("export_job", args=[job.pk])).content.decode()
    assert "Every call is written; the file is being packed" in html
    assert '<progress max="100" value="99">' in html


def test_only_the_requester_opens_or_downloads_it(admin_client, calls, queued):
    start(admin_client)
    job = ExportJob.objects.get()
    export_jobs.run_job(job.pk)
    other = make_user("aziza", Role.ADMINISTRATOR)
    admin_client.force_login(other)
    assert admin_client.get(reverse("export_job", args=[job.pk])).status_code == 404
    assert admin_client.get(reverse("export_download", args=[job.pk])).status_code == 404


def test_an_operators_export_holds_only_their_calls(client, calls, queued):
    operator = make_user("olga", Role.OPERATOR, extensions="101", pbx=calls[0].pbx)
    client.force_login(operator)
    start(client)
    job = ExportJob.objects.get()
    export_jobs.run_job(job.pk)
    download = client.get(reverse("export_download", args=[job.pk]))
    rows = workbook_rows(b"".join(download.streaming_content))
    assert [row[6] for row in rows[1:]] == ["101", "101", "101"]


def test_old_exports_are_removed_with_their_files(admin_client, calls, queued):
    start(admin_client)
    job = ExportJob.objects.get()
    export_jobs.run_job(job.pk)
    assert job.path.is_file()
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    # Past its time it is gone for the user at once, and the hourly task removes it.
    assert admin_client.get(reverse("export_download", args=[job.pk])).status_code == 404
    tasks.expire_exports()
    assert not ExportJob.objects.exists()
    assert not job.path.exists()


def test_a_queue_that_is_down_is_said_in_words_and_leaves_no_job(admin_client, calls, monkeypatch):
    def refuse(job_id):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.export_calls, "delay", refuse)
    response = start(admin_client)
    assert response["Location"] == reverse("call_list")
    page = admin_client.get(response["Location"]).content.decode()
    assert "The export could not be queued" in page
    assert not ExportJob.objects.exists()


def test_the_command_writes_the_same_workbook(calls, tmp_path):
    target = tmp_path / "calls.xlsx"
    call_command("export_calls", format="xlsx", output=str(target), stderr=StringIO())
    rows = workbook_rows(target.read_bytes())
    assert len(rows) == 5
    assert sorted(row[3] for row in rows[1:]) == ["Caller 0", "Caller 1", "Caller 2", "Caller 3"]


@pytest.mark.default_language
def test_the_progress_speaks_the_default_language(admin_client, admin_user):
    job = running_job(admin_user, total=10, done=5)
    html = admin_client.get(reverse("export_job", args=[job.pk])).content.decode()
    assert "Yozilmoqda" in html
    assert "10 ta qo'ng'iroqdan 5 tasi yozildi (50%)." in html

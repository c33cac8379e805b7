"""The "Sync now" button and a PBX's last sync runs."""

import datetime as dt
from unittest import mock

from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from monitoring import tasks
from monitoring.models import SyncRun
from monitoring.tests.factories import make_pbx


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_sync_now_queues_a_sync_of_that_pbx(admin_client, pbx):
    with mock.patch("monitoring.tasks.sync_pbx.delay") as delay:
        response = admin_client.post(reverse("sync_now", args=[pbx.pk]), follow=True)
    delay.assert_called_once_with(pbx.pk, trigger="button")
    assert any("was queued" in text for text in messages_of(response))


def test_sync_now_runs_the_sync_through_the_task(admin_client, pbx):
    """The button queues the task; run here in-process as a worker would run it."""

    def run_in_process(*args, **kwargs):
        return tasks.sync_pbx.apply(args=args, kwargs=kwargs)

    with (
        mock.patch("monitoring.tasks.sync_pbx.delay", side_effect=run_in_process),
        mock.patch("monitoring.sync.sync_pbx") as sync,
    ):
        admin_client.post(reverse("sync_now", args=[pbx.pk]))
    sync.assert_called_once()
    assert sync.call_args.args[0].pk == pbx.pk
    assert sync.call_args.kwargs["trigger"] == "button"


def test_sync_now_says_a_sync_is_already_running(admin_client, pbx):
    pbx.sync_state.lock_until = timezone.now() + dt.timedelta(minutes=5)
    pbx.sync_state.save()
    with mock.patch("monitoring.tasks.sync_pbx.delay") as delay:
        response = admin_client.post(reverse("sync_now", args=[pbx.pk]), follow=True)
    delay.assert_not_called()
    assert any("already running" in text for text in messages_of(response))


def test_sync_now_says_the_queue_is_unavailable_when_the_broker_is_down(admin_client, pbx):
    with mock.patch(
        "monitoring.tasks.sync_pbx.delay", side_effect=OperationalError("Connection refused")
    ):
        response = admin_client.post(reverse("sync_now", args=[pbx.pk]), follow=True)
    assert response.status_code == 200
    assert any(
        "could not be queued: the background worker's queue is unavailable" in text
        for text in messages_of(response)
    )


def test_sync_now_goes_back_to_a_local_page_only(admin_client, pbx):
    with mock.patch("monitoring.tasks.sync_pbx.delay"):
        back = admin_client.post(reverse("sync_now", args=[pbx.pk]), {"next": "/settings/kerio/"})
        away = admin_client.post(
            reverse("sync_now", args=[pbx.pk]), {"next": "https://evil.example/"}
        )
    assert back["Location"] == "/settings/kerio/"
    assert away["Location"] == reverse("sync_run_list", args=[pbx.pk])


def test_sync_now_is_post_only(admin_client, pbx):
    with mock.patch("monitoring.tasks.sync_pbx.delay") as delay:
        assert admin_client.get(reverse("sync_now", args=[pbx.pk])).status_code == 405
    delay.assert_not_called()


def test_the_runs_page_lists_the_runs_with_their_counts_and_errors(admin_client, pbx):
    SyncRun.objects.create(
        pbx=pbx, outcome="success", pages=3, fetched=1234, created=1200, updated=34
    )
    SyncRun.objects.create(pbx=pbx, outcome="failed", error="The server did not answer in time.")
    other = make_pbx("Branch", host="branch.example.uz")
    SyncRun.objects.create(pbx=other, outcome="failed", error="Branch error")
    html = admin_client.get(reverse("sync_run_list", args=[pbx.pk])).content.decode()
    assert "1234" in html and "1200" in html
    assert "The server did not answer in time." in html
    assert "Branch error" not in html
    assert html.count("<tr>") == 3  # the header and two runs


def test_the_runs_page_says_when_nothing_ran(admin_client, pbx):
    html = admin_client.get(reverse("sync_run_list", args=[pbx.pk])).content.decode()
    assert "No sync has run yet." in html

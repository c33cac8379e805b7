"""The System health page, its checks, and the sync-health banner on every page."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring import health
from monitoring.models import Heartbeat, SyncRun, SyncState
from monitoring.tests.factories import make_pbx
from providers.models import PbxConnection

URL = reverse("health")
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def pbx(pbx):
    """The root fixture's PBX, checked an hour ago and synced a few seconds ago."""
    now = timezone.now()
    update(
        pbx,
        last_check_at=now - timedelta(hours=1),
        last_check_ok=True,
        last_check_message="Connected: Kerio Operator 2.7",
    )
    update_sync(
        pbx, last_started_at=now - timedelta(seconds=5), last_success_at=now - timedelta(seconds=4)
    )
    pbx.refresh_from_db()
    return pbx


def update(pbx, **fields):
    PbxConnection.objects.filter(pk=pbx.pk).update(**fields)


def update_sync(pbx, **fields):
    SyncState.objects.filter(pk=pbx.pk).update(**fields)


def text(response) -> str:
    """The page as text, with the non-breaking spaces of "5 minutes" made plain."""
    return response.content.decode().replace("\xa0", " ")


def states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-check="(\w+)" data-state="(\w+)"', html))


@pytest.fixture
def file_broker(settings, tmp_path):
    """No Redis: kombu's file-system broker in a folder of the test's own."""
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    return tmp_path


def beat(age: timedelta):
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now() - age})


# -- The banner ---------------------------------------------------------------------------------


def test_it_has_no_sync_problem_when_the_last_sync_is_fresh(pbx):
    assert health.sync_problems() == []


def test_it_reports_a_failed_last_sync_with_its_reason(pbx):
    update_sync(pbx, last_started_at=timezone.now(), last_error="Login failed: bad password")
    (problem,) = health.sync_problems()
    assert problem.pbx == "Main"
    assert "Login failed: bad password" in problem.reason


def test_it_forgets_an_error_a_later_success_cleared(pbx):
    update_sync(pbx, last_error="old trouble")  # success (4 s ago) came after the start (5 s)
    assert health.sync_problems() == []


def test_it_reports_a_sync_older_than_three_intervals(pbx):
    old = timezone.now() - timedelta(seconds=3 * settings.SYNC_INTERVAL_SECONDS + 5)
    update_sync(pbx, last_success_at=old, last_started_at=old)
    (problem,) = health.sync_problems()
    assert "has not synced since" in problem.reason


def test_it_reports_a_pbx_that_never_synced(pbx):
    update_sync(pbx, last_success_at=None)
    update(pbx, created_at=timezone.now() - timedelta(hours=1))
    assert "never synced" in health.sync_problems()[0].reason


def test_it_ignores_disabled_pbxes(pbx):
    update(pbx, enabled=False)
    update_sync(pbx, last_error="down", last_started_at=timezone.now())
    assert health.sync_problems() == []


def test_the_banner_appears_on_every_page_when_the_last_sync_failed(admin_client, pbx):
    update_sync(pbx, last_started_at=timezone.now(), last_error="Connection refused")
    for url in (reverse("dashboard"), reverse("call_list"), URL):
        html = admin_client.get(url).content.decode()
        assert 'id="sync-health-banner"' in html, url
        assert "The last sync of “Main” failed: Connection refused" in html
        assert f'href="{URL}"' in html


def test_the_banner_appears_when_the_sync_is_old(admin_client, pbx):
    update_sync(pbx, last_success_at=timezone.now() - timedelta(hours=2))
    html = admin_client.get(reverse("dashboard")).content.decode()
    assert 'id="sync-health-banner"' in html
    assert "has not synced since" in html


def test_the_banner_stays_away_when_the_sync_is_fresh(admin_client, pbx):
    assert 'id="sync-health-banner"' not in admin_client.get(reverse("dashboard")).content.decode()


def test_the_banner_is_not_shown_to_anonymous_visitors(client, pbx):
    update_sync(pbx, last_started_at=timezone.now(), last_error="Connection refused")
    assert "sync-health-banner" not in client.get(reverse("login")).content.decode()


def test_the_banner_and_the_demo_notice_cost_one_query_with_the_demo_pbx_on(
    rf, pbx, django_assert_num_queries, admin_user
):
    from monitoring.context_processors import pbx_banners

    update(pbx, is_demo=True)
    request = rf.get("/")
    request.user = admin_user
    banners = pbx_banners(request)
    with django_assert_num_queries(1):
        assert not banners["sync_problems"]
        assert banners["demo_pbx"]


def test_without_an_enabled_demo_pbx_one_more_query_looks_for_demo_calls(
    rf, pbx, django_assert_num_queries, admin_user
):
    from monitoring.context_processors import pbx_banners

    request = rf.get("/")
    request.user = admin_user
    banners = pbx_banners(request)
    with django_assert_num_queries(2):
        assert not banners["sync_problems"]
        assert not banners["demo_pbx"]


def test_others_read_that_the_data_may_be_delayed_not_the_pbxs_error(
    supervisor_client, operator_client, pbx
):
    update_sync(pbx, last_started_at=timezone.now(), last_error="Login failed: bad password")
    for client in (supervisor_client, operator_client):
        html = client.get(reverse("dashboard")).content.decode()
        banner = html[html.index('id="sync-health-banner"') :].split("</div>")[0]
        assert "The call data may be delayed" in banner
        assert "bad password" not in html
        assert "Main" not in banner
    assert f'href="{URL}"' in supervisor_client.get(reverse("dashboard")).content.decode()


def test_the_banners_cost_nothing_until_a_page_shows_them(
    rf, pbx, django_assert_num_queries, admin_user
):
    from monitoring.context_processors import pbx_banners

    request = rf.get("/")
    request.user = admin_user
    with django_assert_num_queries(0):
        pbx_banners(request)


def test_the_dashboard_reads_the_enabled_pbxes_once_for_its_live_panel_and_banners(
    admin_client, pbx
):
    update_sync(pbx, last_started_at=timezone.now(), last_error="Connection refused")
    make_pbx("Off", host="o.example.uz", enabled=False, is_demo=True)
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get(reverse("dashboard")).content.decode()
    assert "The last sync of “Main” failed: Connection refused" in html
    assert "Demo PBX" not in html  # the disabled demo PBX is not among them
    # The PBX filter's choices, the agent links and the demo check read other PBX fields.
    enabled = 'FROM "providers_pbxconnection"'
    reads = [q["sql"] for q in queries if enabled in q["sql"] and '"enabled"' in q["sql"]]
    assert len(reads) == 1, reads


def test_the_demo_notice_shows_while_a_demo_pbx_is_enabled(admin_client, pbx):
    notice = "Demo PBX: the calls shown come from the built-in Kerio Operator simulator"
    assert notice not in admin_client.get(reverse("dashboard")).content.decode()
    update(pbx, is_demo=True)
    assert notice in admin_client.get(reverse("call_list")).content.decode()
    update(pbx, enabled=False)
    assert notice not in admin_client.get(reverse("call_list")).content.decode()


# -- The page -----------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_login(client, db):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_is_all_green_when_everything_works(admin_client, pbx, file_broker):
    beat(timedelta(seconds=5))
    html = text(admin_client.get(URL))
    assert states(html) == {
        "connection": "ok",
        "sync": "ok",
        "worker": "ok",
        "beat": "ok",
        "database": "ok",
        "broker": "ok",
    }
    assert 'data-all-ok="true"' in html
    assert "Connected: Kerio Operator 2.7" in html


def test_it_is_red_when_the_credentials_were_refused(admin_client, pbx):
    update(
        pbx,
        last_check_ok=False,
        last_check_message="Log in: wrong user name or password",
    )
    update_sync(pbx, last_success_at=timezone.now() - timedelta(hours=3))
    html = text(admin_client.get(URL))
    assert states(html)["connection"] == "bad"
    assert "wrong user name or password" in html
    assert "then press “Check connection”" in html
    assert 'data-all-ok="false"' in html


def test_it_is_unknown_when_never_checked_nor_synced(admin_client, pbx):
    update(pbx, last_check_ok=None, last_check_at=None)
    update_sync(pbx, last_success_at=None)
    assert states(text(admin_client.get(URL)))["connection"] == "unknown"


def test_it_shows_the_last_sync_error_and_its_age(admin_client, pbx):
    update_sync(
        pbx,
        last_started_at=timezone.now(),
        last_error="Timed out after 15 s",
        last_success_at=timezone.now() - timedelta(minutes=30),
    )
    html = text(admin_client.get(URL))
    assert states(html)["sync"] == "bad"
    assert "The last sync failed: Timed out after 15 s" in html
    assert "30 minutes ago" in html


def test_it_says_how_to_restart_a_sync_that_fell_behind(admin_client, pbx):
    update_sync(pbx, last_success_at=timezone.now() - timedelta(hours=1))
    html = text(admin_client.get(URL))
    assert states(html)["sync"] == "bad"
    assert "celery -A callcenter worker --beat" in html


def run_started(pbx, minutes_ago: int, *, fetched: int, lock_until):
    """A run still marked running, started ``minutes_ago``, its PBX's lease ending at
    ``lock_until``; the last success came a minute before it."""
    started = timezone.now() - timedelta(minutes=minutes_ago)
    run = SyncRun.objects.create(pbx=pbx, fetched=fetched)
    SyncRun.objects.filter(pk=run.pk).update(started_at=started)
    update_sync(
        pbx,
        last_started_at=started,
        last_success_at=started - timedelta(minutes=1),
        lock_until=lock_until(started),
    )


def test_it_names_a_run_whose_worker_was_killed_instead_of_blaming_the_worker(
    admin_client, pbx, file_broker
):
    beat(timedelta(seconds=5))  # the worker and beat run again
    # Its lease was never renewed: it ran out 30 seconds after the start.
    run_started(pbx, 40, fetched=1200, lock_until=lambda started: started + timedelta(seconds=30))

    html = text(admin_client.get(URL))

    assert states(html)["sync"] == "bad"
    assert "(40 minutes ago) was interrupted: its process stopped before it finished." in html
    assert "The next scheduled sync takes it over" in html
    assert "celery -A callcenter worker --beat" not in html
    assert (states(html)["worker"], states(html)["beat"]) == ("ok", "ok")


def test_a_long_run_in_progress_is_shown_as_running_not_as_behind(admin_client, pbx):
    renewed = timezone.now() + timedelta(seconds=20)
    run_started(pbx, 20, fetched=150_000, lock_until=lambda started: renewed)

    html = text(admin_client.get(URL))

    assert states(html)["sync"] == "unknown"
    assert "A sync has been running since" in html
    assert "150000 records read so far" in html
    assert "Behind:" not in html


def test_a_pbx_created_without_its_sync_state_reads_as_never_synced(admin_client, db):
    PbxConnection.objects.bulk_create(
        [PbxConnection(name="Bulk", host="b.example.uz", username="u", password="p")]
    )

    html = text(admin_client.get(URL))

    assert states(html)["sync"] == "bad"
    assert "It has never synced." in html
    assert admin_client.get(reverse("dashboard")).status_code == 200


def test_it_is_red_when_the_heartbeat_is_old(admin_client, pbx, file_broker):
    beat(timedelta(minutes=5))
    html = text(admin_client.get(URL))
    assert states(html)["worker"] == "bad"
    assert states(html)["beat"] == "bad"
    assert "5 minutes ago" in html
    assert "make run" in html


def test_it_is_red_when_no_heartbeat_was_ever_recorded(admin_client, pbx, file_broker):
    html = text(admin_client.get(URL))
    assert states(html)["beat"] == "bad"
    assert "No heartbeat has ever been recorded." in html


@override_settings(REDIS_URL=CLOSED_PORT_REDIS)
def test_it_still_loads_and_says_the_broker_is_down_when_redis_is(admin_client, pbx):
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert states(html)["broker"] == "bad"
    assert states(html)["worker"] == "bad"
    assert "Redis does not answer" in html
    assert "Cannot ask the worker: the broker is down." in html


def test_it_says_the_file_broker_folder_is_not_writable(admin_client, pbx, file_broker, settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(file_broker / "gone")}
    html = text(admin_client.get(URL))
    assert states(html)["broker"] == "bad"
    assert "is not writable" in html


def test_it_says_the_database_answers(db):
    check = health.database_check()
    assert check.ok is True


def test_it_says_when_no_pbx_is_set_up(admin_client, db):
    html = text(admin_client.get(URL))
    assert "No Kerio Operator connection is enabled" in html
    assert 'data-all-ok="false"' in html


@pytest.mark.redis
def test_it_pings_redis_and_the_worker_when_redis_is_set(pbx):
    import os

    with override_settings(REDIS_URL=os.environ["REDIS_URL"]):
        broker = health.broker_check()
        worker = health.worker_check(timezone.now(), broker)
    assert broker.ok is True
    # No worker runs during the tests: nobody answers the ping, within about a second.
    assert worker.ok is False
    assert "No worker answered" in worker.reason

"""Health checks for "calls do not appear": each says green or red, why, and what to do.

Plain functions, each cheap and bounded in time (one second at most for the network ones), so the
System health page loads even when Redis, the worker or the PBX is down. `sync_problems()` feeds
the banner shown on every page and costs one small query.
"""

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError

from monitoring.formatting import ago, local_time
from monitoring.models import Heartbeat, SyncRun, SyncState
from providers.messages import words
from providers.models import PbxConnection
from providers.session_keeper import logins_paused, paused_by

NETWORK_TIMEOUT = 1.0
START_WORKER = "make run, or `celery -A callcenter worker --beat`"


@dataclass
class Check:
    """One line of the health page. ok: True green, False red, None not known yet (grey)."""

    key: str
    label: str
    ok: bool | None
    reason: str
    action: str = ""

    @property
    def state(self) -> str:
        return {True: "ok", False: "bad", None: "unknown"}[self.ok]


@dataclass
class PbxHealth:
    pbx: PbxConnection
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok is not False for check in self.checks)


def sync_max_age() -> timedelta:
    """A PBX whose last successful sync is older than this is behind."""
    return timedelta(seconds=3 * settings.SYNC_INTERVAL_SECONDS)


def heartbeat_interval() -> int:
    schedule = settings.CELERY_BEAT_SCHEDULE.get("worker-heartbeat", {})
    return int(schedule.get("schedule", 30))


def heartbeat_max_age() -> timedelta:
    """Beat schedules the heartbeat task every interval: two intervals and some slack."""
    return timedelta(seconds=2 * heartbeat_interval() + 10)


def sync_failed(last_error: str, success_at: datetime | None, started_at: datetime | None) -> bool:
    """The last sync ended in an error (not an older one that a later success cleared)."""
    if not last_error:
        return False
    return success_at is None or started_at is None or success_at < started_at


@dataclass
class SyncProblem:
    pbx: str
    reason: str


# What `sync_problems` reads of each enabled PBX.
SYNC_STATE_FIELDS = (
    "name",
    "sync_state__last_error",
    "sync_state__last_success_at",
    "sync_state__last_started_at",
    "created_at",
    "kerio_session__paused_reason",
    "kerio_session__failed_logins",
)


def sync_problems(
    now: datetime | None = None, pbxes: list[dict] | None = None
) -> list[SyncProblem]:
    """Enabled PBXes whose last sync failed or is older than 3 sync intervals.

    `pbxes`: the enabled PBXes' `values()` with at least SYNC_STATE_FIELDS, when the caller has
    read them already (the layout reads them once for both of its PBX banners).
    """
    now = now or timezone.now()
    limit = now - sync_max_age()
    problems = []
    if pbxes is None:
        pbxes = PbxConnection.objects.filter(enabled=True).values(*SYNC_STATE_FIELDS)
    for pbx in pbxes:
        name, error, success_at, started_at, created_at, paused_reason, failed_logins = (
            pbx[field] for field in SYNC_STATE_FIELDS
        )
        paused = paused_by(paused_reason, failed_logins, now)
        if paused is not None:
            reason = _("“%(pbx)s”: %(message)s") % {"pbx": name, "message": paused.user_message}
        elif sync_failed(error, success_at, started_at):
            reason = _("The last sync of “%(pbx)s” failed: %(error)s") % {
                "pbx": name,
                "error": words(error),
            }
        elif success_at is None and created_at < limit:
            reason = _("“%(pbx)s” has never synced: calls do not appear.") % {"pbx": name}
        elif success_at is not None and success_at < limit:
            reason = _("“%(pbx)s” has not synced since %(time)s (%(ago)s).") % {
                "pbx": name,
                "time": local_time(success_at),
                "ago": ago(success_at, now),
            }
        else:
            continue
        problems.append(SyncProblem(name, reason))
    return problems


def connection_check(pbx: PbxConnection, now: datetime) -> Check:
    """Kerio reachable and the credentials valid: the result of the last Check (or sync)."""
    label = _("Kerio Operator reachable, credentials valid")
    fix = _(
        "Check the address, user name and password in Settings → Kerio Operator, "
        "then press “Check connection”."
    )
    paused = logins_paused(pbx)
    if paused is not None:
        return Check("connection", label, False, str(paused.user_message), fix)
    success_at = SyncState.of(pbx).last_success_at
    recent_success = success_at and now - success_at < sync_max_age()
    if pbx.last_check_ok is False and not (recent_success and success_at > pbx.last_check_at):
        return Check(
            "connection",
            label,
            False,
            _("The check %(ago)s failed: %(message)s")
            % {"ago": ago(pbx.last_check_at, now), "message": words(pbx.last_check_message)},
            fix,
        )
    if pbx.last_check_ok:
        return Check(
            "connection",
            label,
            True,
            _("Checked %(ago)s: %(message)s")
            % {
                "ago": ago(pbx.last_check_at, now),
                "message": words(pbx.last_check_message) or _("OK"),
            },
        )
    if recent_success:
        return Check(
            "connection",
            label,
            True,
            _("The last sync logged in to it %(ago)s.") % {"ago": ago(success_at)},
        )
    return Check(
        "connection",
        label,
        None,
        _("Not checked yet."),
        _("Press “Check connection” in Settings → Kerio Operator."),
    )


def unfinished_run_check(pbx: PbxConnection, now: datetime) -> Check | None:
    """A run still marked running: interrupted if its hold on the PBX ran out (its process was
    stopped), else in progress. None when no run is unfinished or the last success is recent."""
    run = pbx.sync_runs.filter(outcome=SyncRun.Outcome.RUNNING).order_by("-started_at").first()
    if run is None:
        return None
    label = _("Last successful sync")
    began = {"time": local_time(run.started_at), "ago": ago(run.started_at, now)}
    lock_until = SyncState.of(pbx).lock_until
    if lock_until is None or lock_until <= now:
        return Check(
            "sync",
            label,
            False,
            _(
                "The sync started %(time)s (%(ago)s) was interrupted: its process stopped "
                "before it finished."
            )
            % began,
            _(
                "The next scheduled sync takes it over and stores what is missing; “Sync now” "
                "does it at once."
            ),
        )
    success_at = SyncState.of(pbx).last_success_at
    if success_at is not None and now - success_at <= sync_max_age():
        return None
    return Check(
        "sync",
        label,
        None,
        _("A sync has been running since %(time)s (%(ago)s): %(records)d records read so far.")
        % {**began, "records": run.fetched},
    )


def sync_check(pbx: PbxConnection, now: datetime) -> Check:
    unfinished = unfinished_run_check(pbx, now)
    if unfinished is not None:
        return unfinished
    label = _("Last successful sync")
    state = SyncState.of(pbx)
    success_at = state.last_success_at
    if sync_failed(state.last_error, success_at, state.last_started_at):
        since = (
            _("The last success was %(time)s (%(ago)s).")
            % {"time": local_time(success_at), "ago": ago(success_at, now)}
            if success_at
            else _("It has never succeeded.")
        )
        return Check(
            "sync",
            label,
            False,
            _("The last sync failed: %(error)s") % {"error": words(state.last_error)} + " " + since,
            _("Fix the cause above, then press “Sync now” in Settings."),
        )
    if success_at is None:
        return Check(
            "sync",
            label,
            False,
            _("It has never synced."),
            _("Start the worker with beat: %(command)s") % {"command": START_WORKER},
        )
    text = _("%(time)s (%(ago)s).") % {"time": local_time(success_at), "ago": ago(success_at, now)}
    if now - success_at > sync_max_age():
        return Check(
            "sync",
            label,
            False,
            _("Behind: %(text)s It should run every %(seconds)d seconds.")
            % {"text": text, "seconds": settings.SYNC_INTERVAL_SECONDS},
            _("Start the worker with beat: %(command)s") % {"command": START_WORKER},
        )
    return Check("sync", label, True, text)


def clock_check(pbx: PbxConnection) -> Check | None:
    """Whether the PBX's timestamps agree with this server's clock, by the last successful run
    (None before there is one)."""
    run = (
        SyncRun.objects.filter(pbx=pbx, outcome=SyncRun.Outcome.SUCCESS)
        .only("clock_warning_code", "clock_warning_params")
        .order_by("-started_at")
        .first()
    )
    if run is None:
        return None
    label = _("The PBX's clock")
    if run.clock_warning_code:
        return Check(
            "clock",
            label,
            False,
            str(run.clock_warning),
            _("Set “Time zone of the PBX's timestamps” in Settings → Kerio Operator."),
        )
    return Check("clock", label, True, _("Its call times agree with this server's clock."))


def pbx_health(now: datetime | None = None) -> list[PbxHealth]:
    """The connection, sync and clock state of every enabled PBX."""
    now = now or timezone.now()
    return [
        PbxHealth(
            pbx,
            [
                check
                for check in (connection_check(pbx, now), sync_check(pbx, now), clock_check(pbx))
                if check is not None
            ],
        )
        for pbx in PbxConnection.objects.filter(enabled=True).select_related("sync_state")
    ]


def heartbeat_age(now: datetime) -> timedelta | None:
    seen_at = (
        Heartbeat.objects.filter(name=Heartbeat.WORKER).values_list("seen_at", flat=True).first()
    )
    return None if seen_at is None else now - seen_at


def redis_ping(url: str) -> str:
    """ "" when Redis answers PING within a second, else the reason."""
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=NETWORK_TIMEOUT, socket_timeout=NETWORK_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError) as error:
        return str(error) or error.__class__.__name__
    return ""


def broker_check() -> Check:
    label = _("Broker")
    if settings.REDIS_URL:
        error = redis_ping(settings.REDIS_URL)
        if error:
            return Check(
                "broker",
                label,
                False,
                _("Redis does not answer: %(error)s") % {"error": error},
                _("Start Redis (docker compose up redis) or correct REDIS_URL."),
            )
        return Check("broker", label, True, _("Redis answers."))
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if not options.get("data_folder_in"):
        return Check(
            "broker",
            label,
            False,
            _("No broker is configured."),
            _("Set REDIS_URL, or leave it empty for the file-system broker under VAR_DIR."),
        )
    folder = Path(options["data_folder_in"])
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-"):
            pass
    except OSError as error:
        return Check(
            "broker",
            label,
            False,
            _("The broker folder %(folder)s is not writable: %(error)s")
            % {"folder": folder, "error": error.strerror or error},
            _("Give the user running the product write access to that folder."),
        )
    return Check(
        "broker", label, True, _("File-system broker, folder %(folder)s.") % {"folder": folder}
    )


def celery_ping(url: str) -> tuple[int, str]:
    """(how many workers answered, the error) within about a second."""
    from callcenter.celery import app

    try:
        with app.connection_for_write(url) as conn:
            conn.ensure_connection(max_retries=1, timeout=NETWORK_TIMEOUT)
            replies = app.control.ping(timeout=NETWORK_TIMEOUT, connection=conn)
    except (KombuError, redis.RedisError, OSError) as error:
        return 0, str(error) or error.__class__.__name__
    return len(replies or []), ""


def worker_check(now: datetime, broker: Check) -> Check:
    label = _("Worker")
    action = _("Start the worker: %(command)s") % {"command": START_WORKER}
    if settings.REDIS_URL:
        if broker.ok is False:
            return Check(
                "worker", label, False, _("Cannot ask the worker: the broker is down."), action
            )
        count, error = celery_ping(settings.REDIS_URL)
        if error:
            return Check(
                "worker",
                label,
                False,
                _("Cannot ask the worker: %(error)s") % {"error": error},
                action,
            )
        if not count:
            return Check("worker", label, False, _("No worker answered within a second."), action)
        return Check("worker", label, True, _("%(count)d worker(s) answered.") % {"count": count})
    return heartbeat_check("worker", label, now, action)


def heartbeat_check(key: str, label: str, now: datetime, action: str) -> Check:
    age = heartbeat_age(now)
    if age is None:
        return Check(key, label, False, _("No heartbeat has ever been recorded."), action)
    seen = ago(now - age, now)
    if age > heartbeat_max_age():
        return Check(
            key, label, False, _("The last heartbeat was %(ago)s.") % {"ago": seen}, action
        )
    return Check(key, label, True, _("The last heartbeat was %(ago)s.") % {"ago": seen})


def beat_check(now: datetime) -> Check:
    """Beat schedules the heartbeat task; a fresh heartbeat proves beat and a worker both run."""
    return heartbeat_check(
        "beat",
        _("Beat (the scheduler)"),
        now,
        _("Start beat: %(command)s (exactly one beat process).") % {"command": START_WORKER},
    )


def database_check() -> Check:
    label = _("Database")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check(
            "database",
            label,
            False,
            _("The database does not answer: %(error)s") % {"error": error},
            _("Start the database or correct DATABASE_URL."),
        )
    return Check(
        "database",
        label,
        True,
        _("%(vendor)s answers.") % {"vendor": connection.display_name},
    )


def system_checks(now: datetime | None = None) -> list[Check]:
    """Worker, beat, database and broker."""
    now = now or timezone.now()
    broker = broker_check()
    return [worker_check(now, broker), beat_check(now), database_check(), broker]

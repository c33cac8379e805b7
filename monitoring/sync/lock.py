"""One run per PBX at a time, and the schedule's backoff after repeated failures."""

import datetime as dt
import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from monitoring.models import SyncRun, SyncState
from providers.models import PbxConnection

logger = logging.getLogger(__name__)


class SyncAlreadyRunning(Exception):
    """Another run holds this PBX's sync lock."""

    def __init__(self, pbx: PbxConnection):
        self.pbx = pbx
        self.user_message = gettext_lazy("A sync of this PBX is already running.")
        super().__init__(f"a sync of {pbx} is already running")


class LockLost(Exception):
    """Another run took the lock over: this run's lease ran out (its time limit reached, or
    its process stalled longer than a lease)."""


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SYNC_LOCK_LEASE_SECONDS)


class SyncLock:
    """A run's lease on its PBX: ``SyncState.lock_until``.

    Taken with one conditional UPDATE (only if free or expired), so two workers can never both
    win, on SQLite as on PostgreSQL. The lease is short (SYNC_LOCK_LEASE_SECONDS) and renewed
    while the run's process lives: by a keeper thread (``kept``) and at each stored page. So the
    lease of a run whose worker was killed runs out within one lease and the next run takes the
    PBX over, while a live run waiting on a slow PBX keeps it, however long it takes (a worker's
    task that overruns SYNC_TIME_LIMIT_SECONDS is stopped by Celery). A run whose process stalled
    longer than a lease may have been taken over; it learns so at its next page (``LockLost``).
    ``state`` is kept in step with what is written.
    """

    def __init__(self, state: SyncState, until: dt.datetime):
        self.state = state
        self.until = until
        self.lost = False
        self._mutex = threading.Lock()

    @classmethod
    def acquire(cls, state: SyncState, now: dt.datetime) -> "SyncLock | None":
        until = now + _lease()
        taken = (
            SyncState.objects.filter(pk=state.pk)
            .filter(Q(lock_until__isnull=True) | Q(lock_until__lte=now))
            .update(lock_until=until, last_started_at=now)
        )
        if not taken:
            return None
        state.lock_until, state.last_started_at = until, now
        return cls(state, until)

    def renew(self, *, force: bool = False) -> None:
        """Push the lease forward (unless renewed in the last half lease and not ``force``);
        raises LockLost if another run took the PBX over."""
        with self._mutex:
            if self.lost:
                raise LockLost(f"the sync lock of {self.state.pbx} was taken over")
            now = timezone.now()
            if not force and self.until - now > _lease() / 2:
                return
            until = now + _lease()
            # Matching our own expiry, not "not expired": a lease that ran out while nobody
            # wanted the PBX is still ours to renew.
            held = SyncState.objects.filter(pk=self.state.pk, lock_until=self.until).update(
                lock_until=until
            )
            if not held:
                self.lost = True
                raise LockLost(f"the sync lock of {self.state.pbx} was taken over")
            self.until = self.state.lock_until = until

    @contextmanager
    def kept(self):
        """Within this block a thread renews the lease every third of it, whatever the run
        waits on. Not inside a caller's transaction (the thread's own connection would wait on
        it) nor on an in-memory SQLite database; there the pages alone renew it."""
        if connection.in_atomic_block or (
            connection.vendor == "sqlite" and connection.is_in_memory_db()
        ):
            yield
            return
        stop = threading.Event()
        thread = threading.Thread(target=self._keep, args=(stop,), name="sync-lease", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _keep(self, stop: threading.Event) -> None:
        interval = _lease().total_seconds() / 3
        try:
            while not stop.wait(interval):
                try:
                    self.renew(force=True)
                except LockLost:
                    return  # the run finds out at its next page
                except DatabaseError as exc:
                    logger.warning("The sync's lease could not be renewed, trying again: %s", exc)
        finally:
            connections.close_all()  # this thread's own connection

    def release(self) -> None:
        with self._mutex:
            SyncState.objects.filter(pk=self.state.pk, lock_until=self.until).update(
                lock_until=None
            )
            if self.state.lock_until == self.until:
                self.state.lock_until = None


@contextmanager
def sync_held_off(pbx: PbxConnection):
    """Hold the PBX's sync lock while the block runs, so no run starts meanwhile (removing its
    data); raises SyncAlreadyRunning when a run holds it now."""
    state, _created = SyncState.objects.get_or_create(pbx=pbx)
    lock = SyncLock.acquire(state, timezone.now())
    if lock is None:
        raise SyncAlreadyRunning(pbx)
    try:
        yield
    finally:
        lock.release()  # nothing to release once the PBX itself is deleted


def sync_is_running(pbx: PbxConnection) -> bool:
    """Whether a run holds this PBX's sync lock now."""
    return SyncState.objects.filter(pk=pbx.pk, lock_until__gt=timezone.now()).exists()


# Enough recent runs to reach the cap: the delay doubles per failure from one interval.
_BACKOFF_RUNS = 12


def consecutive_failures(pbx: PbxConnection) -> tuple[int, dt.datetime | None]:
    """How many of the PBX's latest runs failed in a row, and when the latest of them started."""
    runs = pbx.sync_runs.order_by("-started_at", "-id").values_list("outcome", "started_at")
    failures, latest = 0, None
    for outcome, started_at in runs[:_BACKOFF_RUNS]:
        if outcome != SyncRun.Outcome.FAILED:
            break
        failures += 1
        latest = latest or started_at
    return failures, latest


def backoff_delay(failures: int) -> dt.timedelta:
    """How long the schedule leaves a failing PBX alone after its latest failed run.

    One failure is retried at the next interval as usual; from the second on the wait doubles
    (2, 4, 8… intervals), capped at SYNC_BACKOFF_MAX_SECONDS, so a PBX that is down is not
    hammered and its log is not flooded.
    """
    if failures < 2:
        return dt.timedelta(0)
    interval = settings.SYNC_INTERVAL_SECONDS
    doubled = interval * 2 ** min(failures - 1, _BACKOFF_RUNS)
    seconds = min(doubled, settings.SYNC_BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


def backoff_until(pbx: PbxConnection) -> dt.datetime | None:
    """Until when scheduled syncs skip this PBX after repeated failures; None if they need not.

    Only the schedule backs off: "Sync now" and the command run at once.
    """
    failures, latest = consecutive_failures(pbx)
    delay = backoff_delay(failures)
    if not delay or latest is None:
        return None
    # Measured from the failed run's start, as the schedule's ticks are; a second's slack keeps
    # a tick that comes a little early from being skipped.
    until = latest + delay - dt.timedelta(seconds=1)
    return until if until > timezone.now() else None

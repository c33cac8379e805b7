"""One run of the call-history sync: the lock, the reading, the storing and the bookkeeping tied.

Incremental window
------------------
A run reads back to ``SyncState.read_back_to`` and, when it succeeds, moves that mark to
``min(run start - SYNC_LONGEST_CALL_SECONDS, start of the oldest call in progress)
- SYNC_CLOCK_SKEW_SECONDS``. Calls in progress are read before the history, so a call that enters
the history later, however long, starts after the new mark. A failed run leaves the mark alone.

Callbacks
---------
Every stored call's number is noted; after a successful run the callbacks of those numbers are
derived again from the earliest of those calls on (``monitoring.callbacks.derive``), so a
late call updates the callbacks it affects.

Storing
-------
A thread reads, normalizes and prepares the next answers (``read_ahead``) while the pages read
before are stored (``writer``: one statement per page on PostgreSQL, a plain insert while the
pages hold only new calls). On PostgreSQL a few writer threads store pages at once, each on its
own connection and each page committed alone (``write_concurrently``); the run's thread counts
them, keeps the lock and records the progress. Only the reading thread uses the PBX connection
until the reading ends.
"""

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from monitoring.callbacks import derive
from monitoring.clock import rederive_start_times
from monitoring.directory import Directory, load_directory
from monitoring.models import RejectedRecord, SyncRun, SyncState
from monitoring.sync.concurrent_writes import write_concurrently
from monitoring.sync.history import HistoryReader
from monitoring.sync.lock import LockLost, SyncAlreadyRunning, SyncLock
from monitoring.sync.normalize import Rejected, normalize_record, sort_second, storable
from monitoring.sync.read_ahead import read_ahead
from monitoring.sync.writer import Page, page_preparer, page_writer, page_writers
from providers.kerio import KerioClient, KerioError
from providers.kerio.clock import newest_record_warning, pbx_epoch
from providers.kerio.values import as_whole
from providers.messages import MESSAGES, from_error
from providers.messages import message as stored_message
from providers.models import PbxConnection
from providers.session_keeper import keeper_for

logger = logging.getLogger(__name__)

PROGRESS_SAVE_SECONDS = 1.0


class SyncFailed(Exception):
    """The run failed; ``run`` is its recorded SyncRun, ``user_message`` the plain-words reason."""

    def __init__(self, run: SyncRun, user_message):
        self.run = run
        self.user_message = user_message
        super().__init__(str(user_message))


def sync_pbx(
    pbx: PbxConnection,
    *,
    trigger: str = SyncRun.Trigger.SCHEDULE,
    full: bool = False,
    since: dt.datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[SyncRun], None] | None = None,
) -> SyncRun:
    """Read the PBX's call history into Call rows; returns the finished SyncRun.

    Incremental by default (back to the PBX's read-back mark); ``full`` reads back to ``since``
    (default: everything), as does a first run. ``since`` alone also reads back to it.
    ``dry_run`` reads and counts but writes nothing (the returned SyncRun is not saved).
    ``progress(run)`` is called after each page.

    Raises SyncAlreadyRunning when another run holds the lock, and SyncFailed (carrying the
    recorded failed run and the plain-words reason) when the PBX could not be read.
    """
    started = timezone.now()
    state, _created = SyncState.objects.get_or_create(pbx=pbx)
    lock = None
    if not dry_run:
        lock = SyncLock.acquire(state, started)
        if lock is None:
            raise SyncAlreadyRunning(pbx)
    job = _Run(pbx, state, started, trigger=trigger, dry_run=dry_run, progress=progress, lock=lock)
    try:
        with lock.kept() if lock is not None else nullcontext():
            job.begin(full=full, since=since)
            try:
                job.read_and_store()
            except KerioError as exc:
                job.fail(from_error(exc))
                logger.warning("%s: sync failed: %s", pbx, exc)
                raise SyncFailed(job.run, exc.user_message) from exc
            except LockLost as exc:
                job.fail(stored_message("sync.timed_out"))
                raise SyncFailed(job.run, MESSAGES["sync.timed_out"]) from exc
            except BaseException as exc:
                job.fail(stored_message("sync.internal_error", error=type(exc).__name__))
                raise
            run = job.succeed()
            job.update_callbacks()
            return run
    finally:
        if lock is not None:
            _on_a_working_connection(lock.release)


class _Run:
    """One run's steps, in order: ``begin``, ``read_and_store``, then ``succeed`` or ``fail``."""

    def __init__(
        self,
        pbx: PbxConnection,
        state: SyncState,
        started: dt.datetime,
        *,
        trigger: str,
        dry_run: bool,
        progress: Callable[[SyncRun], None] | None,
        lock: SyncLock | None = None,
    ):
        self.pbx = pbx
        self.state = state
        self.started = started
        self.trigger = trigger
        self.dry_run = dry_run
        self.progress = progress
        self.lock = lock
        self.previous_mark: dt.datetime | None = None
        self.live_start: dt.datetime | None = None
        self.run: SyncRun | None = None
        # number -> the earliest start among the calls of it this run stored.
        self.touched: dict[str, dt.datetime] = {}
        self.zone_name = "UTC"
        self.newest = _Newest()

    def begin(self, *, full: bool, since: dt.datetime | None) -> None:
        """Decide how far back to read and record the run as running."""
        pbx, state = self.pbx, self.state
        pbx.refresh_from_db()
        pbx.sync_state = state  # the caller's PBX sees the state this run writes
        self.zone_name = pbx.timestamps_timezone
        self.previous_mark = state.read_back_to
        read_back_to = since if since is not None else (None if full else self.previous_mark)
        self.run = run = SyncRun(
            pbx=pbx,
            trigger=self.trigger,
            full=full or self.previous_mark is None,
            read_back_to=read_back_to,
        )
        if self.dry_run:
            run.started_at = self.started
        else:
            # Holding the lock, any run still marked running is one whose process died.
            SyncRun.objects.filter(pbx=pbx, outcome=SyncRun.Outcome.RUNNING).update(
                outcome=SyncRun.Outcome.FAILED,
                finished_at=self.started,
                error=stored_message("sync.interrupted"),
            )
            run.save()
        logger.info(
            "%s: sync started (%s), reading back to %s",
            pbx, self.trigger, read_back_to or "the beginning",
        )  # fmt: skip

    def read_and_store(self) -> None:
        """Read the calls in progress, the directory and the history; store it page by page."""
        pbx, run, dry_run, zone_name = self.pbx, self.run, self.dry_run, self.zone_name
        # The PBX's kept session, under its login guard (shared with the live poll).
        with KerioClient(pbx.connection_settings(), keeper=keeper_for(pbx)) as client:
            live_read_at = timezone.now()
            self.live_start = oldest_live_start(client.active_calls(), live_read_at)
            directory = load_directory(client, pbx)
            # The floor is compared with the records' own TIMESTAMPs: in the PBX's clock.
            floor = math.floor(pbx_epoch(run.read_back_to, zone_name)) if run.read_back_to else None
            reader = HistoryReader(client, page_size=settings.SYNC_PAGE_SIZE, floor=floor)
            # The next answers are read, normalized and prepared for writing in a thread while
            # this one is stored.
            prepare = page_preparer()
            batches = read_ahead(
                lambda: _normalized_batches(reader, directory, prepare, zone_name, self.newest)
            )
            writes = write_concurrently(
                batches, partial(page_writer, pbx.pk, dry_run), writers=page_writers(dry_run)
            )
            with closing(batches), closing(writes):
                record_progress = _ProgressRecorder(run)
                # Each page is committed as it is stored; the run's final counts are saved when
                # it ends, whatever the progress last recorded.
                for batch, counts in writes:
                    _count_page(run, batch, counts, dry_run)
                    derive.merge(self.touched, derive.touched(batch.page.rows.values()))
                    if not dry_run:
                        self.lock_held()
                        record_progress()
                    if self.progress is not None:
                        self.progress(run)
            run.pages = reader.pages

    def lock_held(self) -> None:
        """Keep this run's lock (raises LockLost if another run took it over)."""
        lock = self.lock
        if lock is not None:
            lock.renew()

    def succeed(self) -> SyncRun:
        """Record the success and move the read-back mark."""
        run, state = self.run, self.state
        finished = timezone.now()
        run.outcome = SyncRun.Outcome.SUCCESS
        run.finished_at = finished
        warning = newest_record_warning(self.newest.epoch, self.zone_name, finished)
        if warning is not None:
            run.clock_warning_code, run.clock_warning_params = warning.code, warning.params
            logger.warning("%s: %s", self.pbx, warning.message)
        if self.dry_run:
            return run
        mark = next_read_back_to(self.started, self.live_start)
        previous = self.previous_mark
        if previous is not None and run.read_back_to is not None and run.read_back_to > previous:
            # This run read less far back than the last mark required: keep that coverage.
            mark = min(mark, previous)
        with transaction.atomic():
            run.save()
            SyncState.objects.filter(pk=state.pk).update(
                read_back_to=mark, last_success_at=finished, last_error=""
            )
        state.read_back_to, state.last_success_at, state.last_error = mark, finished, ""
        self.follow_a_zone_change()
        logger.info(
            "%s: sync done in %s: %d pages, %d records, %d new, %d updated, %d rejected",
            self.pbx, finished - run.started_at, run.pages, run.fetched, run.created, run.updated,
            run.rejected,
        )  # fmt: skip
        return run

    def update_callbacks(self) -> None:
        """Re-derive the callbacks of the numbers whose calls this run stored, late ones included:
        here for a routine run, in a background task after a large one (a first or full sync),
        which would otherwise hold up its result.

        After a success only: a failed run leaves the read-back mark where it was, so the next
        run reads, and touches, the same calls again.
        """
        touched = self.touched
        if self.dry_run or not touched:
            return
        if len(touched) <= settings.CALLBACKS_INLINE_NUMBERS:
            changed = derive.refresh(touched)
            logger.info("%s: %d callback(s) updated for %d number(s)", self.pbx, changed,
                        len(touched))  # fmt: skip
            return
        from monitoring import tasks  # the tasks call the sync

        try:
            tasks.refresh_callbacks.delay(derive.encode(touched))
        except (KombuError, OSError) as exc:
            logger.warning(
                "%s: the callbacks of %d number(s) could not be queued for update (%s); "
                "run manage.py rebuild_callbacks", self.pbx, len(touched), exc,
            )  # fmt: skip

    def follow_a_zone_change(self) -> None:
        """The timestamp zone changed while this run stored calls in the old one: read every
        stored start again in the new one (keys do not depend on it)."""
        zone_now = (
            PbxConnection.objects.filter(pk=self.pbx.pk)
            .values_list("timestamps_timezone", flat=True)
            .first()
        )
        if zone_now is not None and zone_now != self.zone_name:
            self.pbx.timestamps_timezone = zone_now
            rederive_start_times(self.pbx)

    def fail(self, stored: dict) -> None:
        """Record what went wrong (a stored message); the read-back mark stays where it was."""
        run, state = self.run, self.state
        run.outcome = SyncRun.Outcome.FAILED
        run.finished_at = timezone.now()
        run.error = stored
        if self.dry_run:
            return

        def record():
            run.save()
            SyncState.objects.filter(pk=state.pk).update(last_error=run.error)

        _on_a_working_connection(record)
        state.last_error = run.error


# -- the pages --------------------------------------------------------------------------------


@dataclass
class _Batch:
    """One answer's records, normalized and prepared for writing, and those that were rejected."""

    page: Page
    rejected: list[tuple[dict, Rejected]]
    fetched: int
    pages: int


@dataclass
class _Newest:
    """The newest TIMESTAMP the run read (in the PBX's clock), to compare with ours."""

    epoch: int | None = None

    def see(self, entries) -> None:
        seconds = [s for s in (sort_second(record) for record, _key in entries) if s is not None]
        if seconds and (self.epoch is None or max(seconds) > self.epoch):
            self.epoch = max(seconds)


def _normalized_batches(
    reader: HistoryReader,
    directory: Directory,
    prepare: Callable[[dict], Page],
    zone_name: str,
    newest: _Newest,
) -> Iterator[_Batch]:
    for entries in reader:
        if newest.epoch is None:
            newest.see(entries)  # the history comes newest first: the first answer has it
        rows: dict[str, dict] = {}
        rejected = []
        for record, key in entries:
            try:
                rows[key] = normalize_record(record, directory, zone_name)
            except Rejected as exc:
                rejected.append((record, exc))
        yield _Batch(prepare(rows), rejected, len(entries), reader.pages)


class _ProgressRecorder:
    """Writes a running run's counts, for the pages that show it, at most once a second."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.saved_at = -math.inf

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.saved_at < PROGRESS_SAVE_SECONDS:
            return
        run = self.run
        SyncRun.objects.filter(pk=run.pk).update(
            pages=run.pages,
            fetched=run.fetched,
            created=run.created,
            updated=run.updated,
            rejected=run.rejected,
        )
        self.saved_at = now


def _count_page(run: SyncRun, batch: _Batch, counts: tuple[int, int], dry_run: bool) -> None:
    """Count a stored batch into the run and keep its rejected records."""
    run.fetched += batch.fetched
    run.rejected += len(batch.rejected)
    run.pages = max(run.pages, batch.pages)
    run.created += counts[0]
    run.updated += counts[1]
    if batch.rejected:
        logger.warning(
            "%s: %d history record(s) rejected, e.g. %s", run.pbx, len(batch.rejected),
            batch.rejected[0][1].reason,
        )  # fmt: skip
        if not dry_run:
            RejectedRecord.objects.bulk_create(
                RejectedRecord(
                    run=run,
                    raw=storable(record),
                    reason=rejected.reason,
                    code=rejected.code,
                    params=rejected.params,
                )
                for record, rejected in batch.rejected
            )


# -- the read-back mark -----------------------------------------------------------------------


def _seconds(value) -> int | None:
    seconds = as_whole(value)
    return seconds if seconds is not None and seconds >= 0 else None


def oldest_live_start(calls: list, now: dt.datetime) -> dt.datetime | None:
    """When the longest call in progress started (now - its CALL_DURATION)."""
    durations = [
        seconds
        for call in calls
        if isinstance(call, dict) and (seconds := _seconds(call.get("CALL_DURATION"))) is not None
    ]
    return now - dt.timedelta(seconds=max(durations)) if durations else None


def next_read_back_to(run_started: dt.datetime, live_start: dt.datetime | None) -> dt.datetime:
    """Where the next incremental run must read back to (see the module docstring)."""
    mark = run_started - dt.timedelta(seconds=settings.SYNC_LONGEST_CALL_SECONDS)
    if live_start is not None:
        mark = min(mark, live_start)
    return mark - dt.timedelta(seconds=settings.SYNC_CLOCK_SKEW_SECONDS)


def _on_a_working_connection(write: Callable[[], None]) -> None:
    """Run a bookkeeping write; if the database connection itself broke during the run (the
    server restarted, or ended our session), once more on a new connection. Otherwise the failed
    run would stay "running" and its lock held until its time limit, stopping every sync."""
    try:
        write()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise  # a transaction of the caller's: not ours to abandon
        logger.warning("The database connection broke during a sync; reconnecting to record it")
        connection.close()
        write()

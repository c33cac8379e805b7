"""The call-history sync: the one function the schedule, the command and the "Sync now" button call.

How a run reads the history
---------------------------
Kerio answers ``CallHistory.get`` newest first, by offset. Calls enter the history when they end,
stamped with their start, so while we page, new records are inserted at offsets we have already
passed: the rest of the history shifts to higher offsets. Nothing is skipped that way, but a record
may be read twice across a page boundary.

A record without an ``ID`` is only told apart from an identical one by counting: its key is its
content fingerprint plus its occurrence number among identical records of the same second. So each
second's group of records must be counted from one consistent read. The reader therefore commits,
from every answer, only the groups that answer *brackets*: a record newer than the group comes
before it (or the answer starts at the top of the history) and a record older than it comes after
it. A group inside one answer is exact because one answer is one state of the history. The group
left open at the end of a page is read again by the next request, which starts on the last record
before that group: the pages overlap by that group plus one record, and a shift in between only
moves the overlap further down. When a group does not fit in a page (more identical-second records
than the server's page cap) or reaches the end of the history, its parts are read from consecutive
pages and joined only if ``totalItems`` did not change between them; otherwise that stretch is read
again. Records whose TIMESTAMP is not a number cannot be placed in the time order; each answer's
multiset of them is merged by keeping the highest count seen.

Incremental window
------------------
A run reads back to ``PbxConnection.sync_read_back_to`` and, when it succeeds, moves that mark to
``min(run start - SYNC_LONGEST_CALL_SECONDS, start of the oldest call in progress)
- SYNC_CLOCK_SKEW_SECONDS``. Calls in progress are read before the history, so a call that enters
the history later, however long, starts after the new mark. A failed run leaves the mark alone.

Storing
-------
A thread reads, normalizes and prepares the next answers (``read_ahead``) while the pages read
before are stored (``call_store``: one statement per page on PostgreSQL, a plain insert while the
pages hold only new calls). On PostgreSQL a few writer threads store pages at once, each on its
own connection and each page committed alone (``write_concurrently``); the run's thread counts
them, keeps the lock and records the progress. Only the reading thread uses the PBX connection
until the reading ends.
"""

import datetime as dt
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, reset_queries, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import optional_cache
from monitoring.call_store import CallWriter, Page, commits_without_waiting, page_preparer
from monitoring.concurrent_writes import write_concurrently
from monitoring.models import RejectedRecord, SyncRun
from monitoring.normalize import (
    Directory,
    Rejected,
    content_digest,
    normalize_record,
    record_id,
    record_key,
    sort_second,
    storable,
)
from monitoring.read_ahead import read_ahead
from providers.kerio import ApiError, KerioClient, KerioError, UnexpectedAnswer
from providers.models import PbxConnection

logger = logging.getLogger(__name__)

# How often a run may re-read a stretch of history that kept changing before it gives up.
MAX_REREADS = 8
DIRECTORY_CACHE_SECONDS = 6 * 60 * 60
PROGRESS_SAVE_SECONDS = 1.0
# How many times a page is written when the database keeps breaking deadlocks with it.
DEADLOCK_WRITES = 3


class SyncAlreadyRunning(Exception):
    """Another run holds this PBX's sync lock."""

    def __init__(self, pbx: PbxConnection):
        self.pbx = pbx
        self.user_message = gettext_lazy("A sync of this PBX is already running.")
        super().__init__(f"a sync of {pbx} is already running")


class SyncFailed(Exception):
    """The run failed; ``run`` is its recorded SyncRun, ``user_message`` the plain-words reason."""

    def __init__(self, run: SyncRun, user_message):
        self.run = run
        self.user_message = user_message
        super().__init__(str(user_message))


class HistoryKeptChanging(KerioError):
    default_user_message = gettext_lazy(
        "The PBX's call history kept changing while it was read. The next sync will try again."
    )


class LockLost(Exception):
    """The run overran its time limit and another run took the lock over."""


def directory_cache_key(pbx_id: int) -> str:
    return f"kerio-directory:{pbx_id}"


# -- the lock ---------------------------------------------------------------------------------


def _lock_limit() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SYNC_TIME_LIMIT_SECONDS)


class _Lock:
    """This run's hold on ``PbxConnection.sync_lock_until``.

    Taken with one conditional UPDATE (only if free or expired), so two workers can never both
    win, on SQLite as on PostgreSQL. A long run pushes the expiry forward as it goes; a crashed
    run's lock simply expires.
    """

    def __init__(self, pbx: PbxConnection, until: dt.datetime):
        self.pbx = pbx
        self.until = until

    @classmethod
    def acquire(cls, pbx: PbxConnection, now: dt.datetime) -> "_Lock | None":
        until = now + _lock_limit()
        taken = (
            PbxConnection.objects.filter(pk=pbx.pk)
            .filter(Q(sync_lock_until__isnull=True) | Q(sync_lock_until__lte=now))
            .update(sync_lock_until=until, last_sync_started_at=now)
        )
        return cls(pbx, until) if taken else None

    def extend(self) -> None:
        now = timezone.now()
        if self.until - now > _lock_limit() / 2:
            return
        until = now + _lock_limit()
        held = PbxConnection.objects.filter(pk=self.pbx.pk, sync_lock_until=self.until).update(
            sync_lock_until=until
        )
        if not held:
            raise LockLost(f"the sync lock of {self.pbx} was taken over")
        self.until = self.pbx.sync_lock_until = until

    def release(self) -> None:
        PbxConnection.objects.filter(pk=self.pbx.pk, sync_lock_until=self.until).update(
            sync_lock_until=None
        )
        if self.pbx.sync_lock_until == self.until:
            self.pbx.sync_lock_until = None


def sync_is_running(pbx: PbxConnection) -> bool:
    """Whether a run holds this PBX's sync lock now."""
    return PbxConnection.objects.filter(pk=pbx.pk, sync_lock_until__gt=timezone.now()).exists()


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


# -- reading the history ----------------------------------------------------------------------


@dataclass
class _Group:
    """The records of one second inside one answer, and where they sit in it."""

    second: int
    first: int
    last: int
    records: list


def _groups(records: list, seconds: list[int | None]) -> list[_Group]:
    """The records (with their ``sort_second``) grouped by second, in the answer's order."""
    groups: list[_Group] = []
    for index, (record, second) in enumerate(zip(records, seconds, strict=True)):
        if second is None:
            continue
        if groups and groups[-1].second == second:
            groups[-1].last = index
            groups[-1].records.append(record)
        elif groups and groups[-1].second < second:
            raise UnexpectedAnswer("CallHistory.get did not sort the records by TIMESTAMP")
        else:
            groups.append(_Group(second, index, index, [record]))
    return groups


def _with_occurrences(records: list) -> list[tuple[dict, str]]:
    """Key each record, numbering identical ones 1, 2, ... (records with an ID need no number)."""
    seen: dict[str, int] = {}  # a plain dict: most groups hold one record, and a Counter costs more
    entries = []
    for record in records:
        ident = record_id(record)
        if ident is not None:
            entries.append((record, record_key(record, 1, ident=ident)))
            continue
        digest = content_digest(record)
        occurrence = seen[digest] = seen.get(digest, 0) + 1
        entries.append((record, record_key(record, occurrence, digest, ident=None)))
    return entries


_JOIN = object()


class _Restart(Exception):
    """The stretch being joined changed under us: read it again."""


class HistoryReader:
    """Yields, answer by answer, the history records to store, each with its occurrence number.

    See the module docstring for why every group comes out exactly once and complete.
    ``floor`` (epoch seconds) ends the read once an answer reaches older records; None reads to
    the end of the history.
    """

    def __init__(
        self,
        client: KerioClient,
        *,
        page_size: int,
        floor: int | None,
        on_page: Callable[[], None] | None = None,
    ):
        self.client = client
        self.page_size = max(page_size, 2)
        self.floor = floor
        self.on_page = on_page or (lambda: None)
        self.frontier: int | None = None  # the second of the oldest group committed so far
        self.pages = 0
        self._strays: Counter[str] = Counter()
        self._rereads = 0

    def _fetch(self, start: int):
        page = self.client.call_history_page(start, self.page_size)
        self.pages += 1
        self.on_page()
        return page

    def _reread(self) -> None:
        self._rereads += 1
        if self._rereads > MAX_REREADS:
            raise HistoryKeptChanging("the history kept shifting while it was paged")

    def _handled(self, record) -> bool:
        """Is this record above the unread part (a stray, or in a committed second)?"""
        second = sort_second(record)
        return second is None or (self.frontier is not None and second >= self.frontier)

    def _stray_entries(self, records: list, seconds: list[int | None]) -> list[tuple[dict, str]]:
        """Records without a numeric TIMESTAMP: keep the highest count any answer showed."""
        counts: Counter[str] = Counter()
        first: dict[str, dict] = {}
        for record, second in zip(records, seconds, strict=True):
            if second is None:
                digest = content_digest(record)
                counts[digest] += 1
                first.setdefault(digest, record)
        entries = []
        for digest, count in counts.items():
            for occurrence in range(self._strays[digest] + 1, count + 1):
                entries.append((first[digest], record_key(first[digest], occurrence, digest)))
            self._strays[digest] = max(self._strays[digest], count)
        return entries

    def _commit(self, group_second: int, records: list) -> list[tuple[dict, str]]:
        self.frontier = group_second
        return _with_occurrences(records)

    def __iter__(self) -> Iterator[list[tuple[dict, str]]]:
        start = 0
        while True:
            page = self._fetch(start)
            records = page.records
            if start > 0 and (not records or not self._handled(records[0])):
                # The page should begin on a record already dealt with; records were removed
                # while we paged and the unread part moved up. Step back and read again.
                self._reread()
                start = max(0, start - self.page_size * 2 ** (self._rereads - 1))
                continue
            if not records:
                return
            seconds = [sort_second(record) for record in records]
            batch = self._stray_entries(records, seconds)
            groups = _groups(records, seconds)
            open_group = None
            for index, group in enumerate(groups):
                if self.frontier is not None and group.second >= self.frontier:
                    continue  # committed from an earlier answer
                if index == len(groups) - 1:
                    open_group = group
                elif start == 0 or group.first > 0:
                    batch += self._commit(group.second, group.records)
            next_start = self._next_start(page, groups, open_group)
            if batch:
                yield batch
            if next_start is None:
                return
            if next_start is _JOIN:
                try:
                    next_start = yield from self._join(page, open_group)
                except _Restart:
                    self._reread()
                    continue  # read the same page again
                if next_start is None:
                    return
            start = next_start

    def _next_start(self, page, groups: list[_Group], open_group: _Group | None):
        """Where to read after ``page``: an offset, None to stop, or _JOIN to complete the
        group left open at its end from the following pages."""
        if self.floor is not None and groups and groups[-1].second < self.floor:
            return None
        start = page.start
        at_end = start + len(page.records) >= page.total_items
        if open_group is None:
            return None if at_end else max(start + len(page.records) - 1, start + 1)
        next_start = start + open_group.first - 1
        if next_start > start and not at_end:
            return next_start
        return _JOIN

    def _join(self, page, group: _Group):
        """Complete ``group`` (open at the end of ``page``) from the following pages, as long as
        the history's size does not change. Returns where to read next, or None to stop."""
        records = list(group.records)
        position = page.start + len(page.records)
        last_of_group = page.start + group.last
        while True:
            following = self._fetch(position)
            seconds = [sort_second(record) for record in following.records]
            strays = self._stray_entries(following.records, seconds)
            if strays:
                yield strays
            if following.total_items != page.total_items:
                raise _Restart
            older = None
            for index, (record, second) in enumerate(zip(following.records, seconds, strict=True)):
                if second is None:
                    continue
                if second > group.second:
                    raise _Restart
                if second == group.second:
                    if older is not None:
                        raise UnexpectedAnswer(
                            "CallHistory.get did not sort the records by TIMESTAMP"
                        )
                    records.append(record)
                    last_of_group = position + index
                elif older is None:
                    older = second
            if older is not None or not following.records:
                yield self._commit(group.second, records)
                if older is None or (self.floor is not None and older < self.floor):
                    return None
                return last_of_group
            position += len(following.records)


# -- storing ----------------------------------------------------------------------------------


@dataclass
class _Batch:
    """One answer's records, normalized and prepared for writing, and those that were rejected."""

    page: Page
    rejected: list[tuple[dict, str]]
    fetched: int
    pages: int


def _normalized_batches(
    reader: "HistoryReader", directory: Directory, prepare: Callable[[dict], Page]
) -> Iterator[_Batch]:
    for entries in reader:
        rows: dict[str, dict] = {}
        rejected = []
        for record, key in entries:
            try:
                rows[key] = normalize_record(record, directory)
            except Rejected as exc:
                rejected.append((record, exc.reason))
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


def page_writers(dry_run: bool) -> int:
    """How many connections a run writes its pages with.

    Several on PostgreSQL (``SYNC_WRITERS``), so a long run keeps more than one of the database's
    cores busy. One where that is not possible or not wanted: on other databases (SQLite takes one
    writer at a time), in a dry run (it writes nothing), and inside a caller's transaction (other
    connections could neither see its rows nor be rolled back with it).
    """
    if dry_run or connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, settings.SYNC_WRITERS)


@contextmanager
def _page_writer(pbx_id: int, dry_run: bool):
    """A writer thread's ``write``: stores a batch's page, returns (created, updated)."""
    writer = CallWriter(pbx_id, dry_run=dry_run)

    def write(batch: _Batch) -> tuple[int, int]:
        attempt = 1
        while True:
            try:
                counts = writer.write(batch.page, timezone.now())
                break
            except OperationalError as exc:
                # Two writers' pages can share calls (the history shifted while it was read): the
                # database may then abort one page's statement to break a deadlock. A page is one
                # statement, so writing it again is safe.
                if not _is_deadlock(exc) or attempt == DEADLOCK_WRITES:
                    raise
                logger.info("A page's write was chosen to break a deadlock; writing it again")
                attempt += 1
        if settings.DEBUG and not connection.force_debug_cursor:
            # DEBUG keeps every query's SQL (up to 9,000 of them); a long run would hold hundreds
            # of megabytes of it. Requests start afresh the same way.
            reset_queries()
        return counts

    with commits_without_waiting():
        yield write


def _is_deadlock(exc: OperationalError) -> bool:
    return isinstance(exc.__cause__, psycopg.errors.DeadlockDetected)


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
            batch.rejected[0][1],
        )  # fmt: skip
        if not dry_run:
            RejectedRecord.objects.bulk_create(
                RejectedRecord(run=run, raw=storable(record), reason=reason)
                for record, reason in batch.rejected
            )


# -- one run ----------------------------------------------------------------------------------


def _seconds(value) -> int | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return int(seconds) if math.isfinite(seconds) and seconds >= 0 else None


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


def _directory(client: KerioClient, pbx: PbxConnection) -> Directory:
    """The PBX's extension list, read again each run; the cached copy if the PBX refuses it."""
    key = directory_cache_key(pbx.pk)
    try:
        entries = client.extensions()
    except ApiError as exc:
        logger.warning("%s: extension list unavailable (%s); using the last one known", pbx, exc)
        entries = optional_cache.get(key) or []
    else:
        optional_cache.set(key, entries, DIRECTORY_CACHE_SECONDS)
    return Directory.build(entries, pbx.internal_number_pattern)


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

    Incremental by default (back to the PBX's high-water mark); ``full`` reads back to ``since``
    (default: everything), as does a first run. ``since`` alone also reads back to it.
    ``dry_run`` reads and counts but writes nothing (the returned SyncRun is not saved).
    ``progress(run)`` is called after each page.

    Raises SyncAlreadyRunning when another run holds the lock, and SyncFailed (carrying the
    recorded failed run and the plain-words reason) when the PBX could not be read.
    """
    started = timezone.now()
    lock = None
    if not dry_run:
        lock = _Lock.acquire(pbx, started)
        if lock is None:
            raise SyncAlreadyRunning(pbx)
    try:
        return _run(pbx, lock, started, trigger, full, since, dry_run, progress)
    finally:
        if lock is not None:
            _on_a_working_connection(lock.release)


def _run(pbx, lock, started, trigger, full, since, dry_run, progress) -> SyncRun:
    pbx.refresh_from_db()
    previous_mark = pbx.sync_read_back_to
    read_back_to = since if since is not None else (None if full else previous_mark)
    run = SyncRun(
        pbx=pbx,
        trigger=trigger,
        full=full or previous_mark is None,
        read_back_to=read_back_to,
    )
    if dry_run:
        run.started_at = started
    else:
        # Holding the lock, any run still marked running is one whose process died.
        SyncRun.objects.filter(pbx=pbx, outcome=SyncRun.Outcome.RUNNING).update(
            outcome=SyncRun.Outcome.FAILED,
            finished_at=started,
            error=_("The run was interrupted: its process stopped before it finished."),
        )
        run.save()
    logger.info(
        "%s: sync started (%s), reading back to %s", pbx, trigger, read_back_to or "the beginning"
    )
    try:
        with KerioClient(pbx.connection_settings()) as client:
            live_read_at = timezone.now()
            live_start = oldest_live_start(client.active_calls(), live_read_at)
            directory = _directory(client, pbx)
            floor = math.floor(read_back_to.timestamp()) if read_back_to else None
            reader = HistoryReader(client, page_size=settings.SYNC_PAGE_SIZE, floor=floor)
            # The next answers are read, normalized and prepared for writing in a thread while
            # this one is stored.
            prepare = page_preparer()
            batches = read_ahead(lambda: _normalized_batches(reader, directory, prepare))
            writes = write_concurrently(
                batches, partial(_page_writer, pbx.pk, dry_run), writers=page_writers(dry_run)
            )
            with closing(batches), closing(writes):
                record_progress = _ProgressRecorder(run)
                # Each page is committed as it is stored; the run's final counts are saved when
                # it ends, whatever the progress last recorded.
                for batch, counts in writes:
                    _count_page(run, batch, counts, dry_run)
                    if not dry_run:
                        lock.extend()
                        record_progress()
                    if progress is not None:
                        progress(run)
            run.pages = reader.pages
    except KerioError as exc:
        _finish_failed(run, pbx, exc.user_message, dry_run)
        logger.warning("%s: sync failed: %s", pbx, exc)
        raise SyncFailed(run, exc.user_message) from exc
    except LockLost as exc:
        message = gettext_lazy(
            "The sync took longer than its time limit and another run took over."
        )
        _finish_failed(run, pbx, message, dry_run)
        raise SyncFailed(run, message) from exc
    except BaseException as exc:
        _finish_failed(
            run,
            pbx,
            _("The sync stopped because of an internal error (%(error)s).")
            % {"error": type(exc).__name__},
            dry_run,
        )
        raise

    finished = timezone.now()
    run.outcome = SyncRun.Outcome.SUCCESS
    run.finished_at = finished
    if dry_run:
        return run
    mark = next_read_back_to(started, live_start)
    if previous_mark is not None and read_back_to is not None and read_back_to > previous_mark:
        # This run read less far back than the last mark required: keep that coverage.
        mark = min(mark, previous_mark)
    with transaction.atomic():
        run.save()
        PbxConnection.objects.filter(pk=pbx.pk).update(
            sync_read_back_to=mark, last_sync_success_at=finished, last_sync_error=""
        )
    pbx.sync_read_back_to, pbx.last_sync_success_at, pbx.last_sync_error = mark, finished, ""
    logger.info(
        "%s: sync done in %s: %d pages, %d records, %d new, %d updated, %d rejected",
        pbx, finished - run.started_at, run.pages, run.fetched, run.created, run.updated,
        run.rejected,
    )  # fmt: skip
    return run


def _finish_failed(run: SyncRun, pbx: PbxConnection, message, dry_run: bool) -> None:
    run.outcome = SyncRun.Outcome.FAILED
    run.finished_at = timezone.now()
    run.error = str(message)
    if dry_run:
        return

    def record():
        run.save()
        PbxConnection.objects.filter(pk=pbx.pk).update(last_sync_error=run.error)

    _on_a_working_connection(record)
    pbx.last_sync_error = run.error


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

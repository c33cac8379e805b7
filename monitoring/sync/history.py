"""Reading a PBX's call history page by page, each record exactly once with its occurrence number.

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
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from monitoring.sync.normalize import content_digest, record_id, record_key, sort_second
from providers.kerio import KerioClient, KerioError, UnexpectedAnswer

# How often a run may re-read a stretch of history that kept changing before it gives up.
MAX_REREADS = 8


class HistoryKeptChanging(KerioError):
    default_user_message = gettext_lazy(
        "The PBX's call history kept changing while it was read. The next sync will try again."
    )


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

    See this module's docstring for why every group comes out exactly once and complete.
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

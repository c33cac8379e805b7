"""One Kerio session per PBX, kept in the database, and the guard against login storms.

The sync, the live poll and the recordings each build a client with ``keeper_for(pbx)``: they
share the session (one login per session, not one per poll) and one count of failed logins.
After a refused login no login is tried until the settings change (``reset_session``) or an
administrator presses Tekshirish or Sync now (``resume_logins``); even then at most
``MAX_FAILED_LOGINS`` refusals in ``FAILED_LOGIN_WINDOW``, so the PBX, which blocks an address
after about ten, never blocks this server.
"""

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from providers.kerio import LoginBlocked, LoginsPaused, SavedSession, SessionKeeper
from providers.models import KerioSession, PbxConnection

logger = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 3
FAILED_LOGIN_WINDOW = dt.timedelta(minutes=15)


def _recent(failures: list, now: dt.datetime) -> list[float]:
    floor = (now - FAILED_LOGIN_WINDOW).timestamp()
    return [t for t in failures if isinstance(t, int | float) and t > floor]


def pause_state(row: KerioSession | None, now: dt.datetime | None = None) -> LoginsPaused | None:
    """Why no login may be tried now (as the error the client raises), or None."""
    if row is None:
        return None
    return paused_by(row.paused_reason, row.failed_logins, now)


def paused_by(
    paused_reason: str | None, failed_logins: list | None, now: dt.datetime | None = None
) -> LoginsPaused | None:
    """``pause_state`` from a KerioSession's two fields (as ``values()`` reads them)."""
    now = now or timezone.now()
    if paused_reason:
        return LoginsPaused(reason=paused_reason)
    failures = _recent(failed_logins or [], now)
    if len(failures) >= MAX_FAILED_LOGINS:
        until = dt.datetime.fromtimestamp(min(failures), dt.UTC) + FAILED_LOGIN_WINDOW
        return LoginsPaused(reason="limit", until=until)
    return None


def _row(pbx_id: int, *, lock: bool = False) -> KerioSession:
    rows = KerioSession.objects.select_for_update() if lock else KerioSession.objects
    row = rows.filter(pbx_id=pbx_id).first()
    if row is None:
        row, _created = KerioSession.objects.get_or_create(pbx_id=pbx_id)
    return row


class DatabaseKeeper(SessionKeeper):
    """Keeps the PBX's session and failed logins in its KerioSession row.

    The sync reads pages in a second thread; a login there (the session expired mid-run) is
    judged from what this thread last read and recorded when the client closes, so that thread
    never needs a database connection of its own.
    """

    keeps_session = True

    def __init__(self, pbx: PbxConnection):
        self.pbx_id = pbx.pk
        self._owner = threading.get_ident()
        self._pending: list[Callable[[], None]] = []
        self._paused: LoginsPaused | None = None

    def _on_owner(self) -> bool:
        return threading.get_ident() == self._owner

    def _write(self, change: Callable[[], None]) -> None:
        if self._on_owner():
            change()
        else:
            self._pending.append(change)

    def load(self) -> SavedSession | None:
        if not self._on_owner():
            return None
        row = KerioSession.objects.filter(pbx_id=self.pbx_id).first()
        if row is None or not row.token:
            return None
        try:
            cookies = json.loads(row.cookies or "{}")
        except ValueError:
            cookies = {}
        return SavedSession(row.token, cookies if isinstance(cookies, dict) else {})

    def save(self, session: SavedSession) -> None:
        cookies = json.dumps(session.cookies)

        def change():
            row = _row(self.pbx_id)
            row.token, row.cookies = session.token, cookies
            row.save(update_fields=["token", "cookies", "updated_at"])

        self._write(change)

    def forget(self) -> None:
        self._write(
            lambda: KerioSession.objects.filter(pbx_id=self.pbx_id).update(token="", cookies="")
        )

    def before_login(self) -> None:
        if self._on_owner():
            with transaction.atomic():
                self._paused = pause_state(_row(self.pbx_id, lock=True))
        if self._paused is not None:
            logger.debug("PBX %s: login not tried (%s)", self.pbx_id, self._paused.reason)
            raise self._paused

    def login_succeeded(self) -> None:
        self._paused = None
        self._write(
            lambda: KerioSession.objects.filter(pbx_id=self.pbx_id).update(
                failed_logins=[], paused_reason="", paused_at=None
            )
        )

    def login_refused(self, error) -> None:
        reason = KerioSession.Paused.BLOCKED if isinstance(error, LoginBlocked) else "refused"
        self._paused = LoginsPaused(reason=reason)
        now = timezone.now()
        logger.warning("PBX %s refused the login; logins are paused: %s", self.pbx_id, error)

        def change():
            with transaction.atomic():
                row = _row(self.pbx_id, lock=True)
                row.failed_logins = [*_recent(row.failed_logins, now), now.timestamp()]
                row.paused_reason, row.paused_at = reason, now
                row.token, row.cookies = "", ""
                row.save()

        self._write(change)

    def close(self) -> None:
        if self._on_owner():
            pending, self._pending = self._pending, []
            for change in pending:
                change()


def keeper_for(pbx: PbxConnection) -> DatabaseKeeper:
    return DatabaseKeeper(pbx)


def resume_logins(pbx: PbxConnection) -> None:
    """An administrator asks to try again (Tekshirish, Sync now): lift the pause. The cap of
    failed logins in 15 minutes still holds."""
    KerioSession.objects.filter(pbx=pbx).update(paused_reason="", paused_at=None)


def reset_session(pbx: PbxConnection) -> None:
    """The connection's settings changed: the kept session and the pause belong to the old
    ones. Failed logins still count (the PBX counts them by address)."""
    KerioSession.objects.filter(pbx=pbx).update(
        token="", cookies="", paused_reason="", paused_at=None
    )


def logins_paused(pbx: PbxConnection) -> LoginsPaused | None:
    """Why this PBX's logins are paused now, or None (for banners and the schedule)."""
    return pause_state(KerioSession.objects.filter(pbx=pbx).first())

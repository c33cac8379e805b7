"""What happened on the PBX: calls, the live-call snapshot, and the record of each sync run."""

import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from providers.messages import words
from providers.models import PbxConnection


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    INTERNAL = "internal", _("Internal")
    UNKNOWN = "unknown", _("Unknown")


class CallStatus(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")
    BARRED = "barred", _("Barred")
    VOICEMAIL = "voicemail", _("Voicemail")
    UNKNOWN = "unknown", _("Unknown")


# Kerio's STATUS codes in the call history.
KERIO_STATUS = {
    1: CallStatus.FAILED,
    2: CallStatus.BUSY,
    3: CallStatus.NO_ANSWER,
    4: CallStatus.ANSWERED,
    5: CallStatus.BARRED,
    6: CallStatus.VOICEMAIL,
}

# Statuses that mean no person answered an inbound call.
MISSED_STATUSES = (
    CallStatus.NO_ANSWER,
    CallStatus.BUSY,
    CallStatus.FAILED,
    CallStatus.VOICEMAIL,
)


# The fields the sync derives from a Kerio record (besides the raw record itself).
CALL_RECORD_FIELDS = (
    "started_at",
    "direction",
    "from_number",
    "from_number_normalized",
    "from_name",
    "to_number",
    "to_number_normalized",
    "to_name",
    "extension",
    "external_number",
    "line",
    "status",
    "status_code",
    "total_seconds",
    "talk_seconds",
    "wait_seconds",
)


class Call(models.Model):
    """One finished call from the PBX's call history.

    `key` is stable across syncs: Kerio's `ID` when the record has one, otherwise a fingerprint of
    the record's content plus its occurrence number among identical records of the same second,
    so two genuinely different calls with identical fields stay two rows.
    """

    # No index of its own: the unique (pbx, key) index starts with it. One index less for the
    # sync to maintain on every call it writes.
    pbx = models.ForeignKey(
        PbxConnection,
        verbose_name=_("PBX"),
        on_delete=models.PROTECT,
        related_name="calls",
        db_index=False,
    )
    key = models.CharField(
        _("key"),
        max_length=80,
        help_text=_("Stable per PBX: Kerio's ID, or a fingerprint of the record."),
    )
    started_at = models.DateTimeField(_("start time"))
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.UNKNOWN
    )
    from_number = models.CharField(_("from"), max_length=100, blank=True)
    from_number_normalized = models.CharField(_("from, normalized"), max_length=32, blank=True)
    from_name = models.CharField(_("from name"), max_length=255, blank=True)
    to_number = models.CharField(_("to"), max_length=100, blank=True)
    to_number_normalized = models.CharField(_("to, normalized"), max_length=32, blank=True)
    to_name = models.CharField(_("to name"), max_length=255, blank=True)
    extension = models.CharField(_("extension"), max_length=32, blank=True)
    # The external party's number, normalized (the national significant number for Uzbekistan),
    # for a number's history and for "missed calls not yet called back".
    external_number = models.CharField(_("external number"), max_length=32, blank=True)
    # The company's number an inbound call dialled (a DID), normalized; blank when the record
    # does not tell (see ``normalize.dialled_line``).
    line = models.CharField(_("line dialled"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CallStatus.choices, default=CallStatus.UNKNOWN
    )
    status_code = models.IntegerField(_("Kerio status code"), null=True, blank=True)
    total_seconds = models.PositiveIntegerField(_("total seconds"), default=0)
    talk_seconds = models.PositiveIntegerField(_("talk seconds"), default=0)
    wait_seconds = models.PositiveIntegerField(_("wait seconds"), default=0)
    raw = models.JSONField(_("Kerio record"))
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(fields=["pbx", "key"], name="call_unique_key_per_pbx"),
        ]
        indexes = [
            # The calls page and the dashboard: newest first, by period.
            models.Index(fields=["-started_at", "-id"], name="call_started"),
            # Each filter's index ends with the pages' order (newest first, id breaking ties), so
            # a filtered page reads only its own rows, in order, whatever the history's size.
            # Status filter and missed-call tiles.
            models.Index(fields=["status", "-started_at", "-id"], name="call_status_started"),
            # Per-extension table and operators' own calls.
            models.Index(fields=["extension", "-started_at", "-id"], name="call_extension_started"),
            # A number's history and call-back matching.
            models.Index(
                fields=["external_number", "-started_at", "-id"], name="call_external_started"
            ),
            # The company line filter.
            models.Index(fields=["line", "-started_at", "-id"], name="call_line_started"),
            # On PostgreSQL only, migration 0003 adds call_number_search_trgm for "Number
            # contains" and gives call_started the columns the dashboard's figures read (INCLUDE
            # columns); neither can be declared here (SQLite has no such indexes).
        ]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.from_number} → {self.to_number}"


class LiveSnapshot(models.Model):
    """The latest picture of the calls in progress on one PBX, replaced whole at each poll."""

    pbx = models.OneToOneField(
        PbxConnection, verbose_name=_("PBX"), on_delete=models.CASCADE, related_name="live"
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    # When the last poll failed, the calls below are what was true at `taken_at`, not now.
    is_stale = models.BooleanField(_("out of date"), default=True)
    error = models.JSONField(_("error"), default=str, blank=True)
    error_at = models.DateTimeField(_("error time"), null=True, blank=True)

    class Meta:
        verbose_name = _("live calls snapshot")
        verbose_name_plural = _("live calls snapshots")

    def __str__(self):
        return f"{self.pbx} @ {self.taken_at}"

    @staticmethod
    def fresh_for() -> timedelta:
        """How long a snapshot stays the truth: a few polls."""
        return timedelta(seconds=max(3 * settings.LIVE_POLL_SECONDS, 10))

    def is_fresh(self, now: datetime | None = None) -> bool:
        """Whether the calls below are what is in progress now: the last poll succeeded, and
        recently."""
        if self.taken_at is None or self.is_stale:
            return False
        return (now or timezone.now()) - self.taken_at <= self.fresh_for()


class LiveCall(models.Model):
    """A call in progress at the time of its snapshot."""

    snapshot = models.ForeignKey(
        LiveSnapshot,
        verbose_name=_("live calls snapshot"),
        on_delete=models.CASCADE,
        related_name="calls",
    )
    from_number = models.CharField(_("from"), max_length=100, blank=True)
    from_name = models.CharField(_("from name"), max_length=255, blank=True)
    to_number = models.CharField(_("to"), max_length=100, blank=True)
    to_name = models.CharField(_("to name"), max_length=255, blank=True)
    extension = models.CharField(_("extension"), max_length=32, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.UNKNOWN
    )
    state = models.CharField(_("state"), max_length=20, blank=True)
    status_code = models.IntegerField(_("Kerio status code"), null=True, blank=True)
    total_seconds = models.PositiveIntegerField(_("total seconds"), default=0)
    talk_seconds = models.PositiveIntegerField(_("talk seconds"), default=0)
    started_at = models.DateTimeField(_("start time"), null=True, blank=True)
    raw = models.JSONField(_("Kerio record"), default=dict)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("live call")
        verbose_name_plural = _("live calls")

    def __str__(self):
        return f"{self.from_number} → {self.to_number} ({self.state})"

    # The states Kerio reports that the panel names; any other is shown as unknown.
    STATE_LABELS = {"ringing": _("Ringing"), "talking": _("Talking")}

    @property
    def state_key(self) -> str:
        """ "ringing", "talking" or "unknown": the panel's colour for this call."""
        key = (self.state or "").lower()
        return key if key in self.STATE_LABELS else "unknown"

    @property
    def state_label(self) -> str:
        """The state in words of the current language; an unknown one with what Kerio said."""
        key = self.state_key
        if key != "unknown":
            return str(self.STATE_LABELS[key])
        raw = self.state or (str(self.status_code) if self.status_code is not None else "")
        return gettext("Unknown (%(code)s)") % {"code": raw} if raw else gettext("Unknown")


class SyncState(models.Model):
    """Where one PBX's call-history sync stands; written by the sync only.

    The lock lets one run at a time read the PBX: a run holds it until ``lock_until``. The
    read-back mark is how far back the next incremental run reads; the rest is the last outcome,
    for the pages and the health checks. Every PBX has one (created with the PBX).
    """

    pbx = models.OneToOneField(
        PbxConnection,
        verbose_name=_("PBX"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sync_state",
    )
    lock_until = models.DateTimeField(_("sync locked until"), null=True, blank=True)
    read_back_to = models.DateTimeField(
        _("read back to"),
        null=True,
        blank=True,
        help_text=_("The next incremental sync reads the history back to this moment."),
    )
    last_started_at = models.DateTimeField(_("last sync started"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful sync"), null=True, blank=True)
    # Stored messages (providers.messages): what happened, worded when shown.
    last_error = models.JSONField(_("last sync error"), default=str, blank=True)

    class Meta:
        verbose_name = _("sync state")
        verbose_name_plural = _("sync states")

    def __str__(self):
        return str(self.pbx)

    @classmethod
    def of(cls, pbx: PbxConnection) -> "SyncState":
        """The PBX's state; an empty one (not saved) for a PBX created without it (in bulk)."""
        try:
            return pbx.sync_state
        except cls.DoesNotExist:
            return cls(pbx=pbx)

    @classmethod
    def create_for_new_pbx(cls, sender, instance, created, **kwargs):
        """A ``post_save`` receiver for PbxConnection: a new PBX starts with an empty state."""
        if created:
            cls.objects.get_or_create(pbx=instance)


class SyncRun(models.Model):
    """One run of the call-history sync for one PBX: its outcome and counts."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCESS = "success", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        COMMAND = "command", _("Command")
        BUTTON = "button", _("Sync now")

    pbx = models.ForeignKey(
        PbxConnection, verbose_name=_("PBX"), on_delete=models.CASCADE, related_name="sync_runs"
    )
    trigger = models.CharField(
        _("trigger"), max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE
    )
    full = models.BooleanField(_("full"), default=False)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.RUNNING
    )
    read_back_to = models.DateTimeField(_("read back to"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    fetched = models.PositiveIntegerField(_("fetched"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.JSONField(_("error"), default=str, blank=True)
    # The PBX's clock disagreed with ours (``providers.kerio.clock``): a code and its parameters,
    # put in words when shown.
    clock_warning_code = models.CharField(_("clock warning"), max_length=20, blank=True)
    clock_warning_params = models.JSONField(_("clock warning parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        indexes = [models.Index(fields=["pbx", "-started_at"], name="syncrun_pbx_started")]

    def __str__(self):
        return f"{self.pbx} {self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def clock_warning(self):
        """The clock disagreement in the reader's language, or ""."""
        from providers.kerio.clock import clock_message

        if not self.clock_warning_code:
            return ""
        return clock_message(self.clock_warning_code, self.clock_warning_params)

    @property
    def duration(self):
        if self.finished_at:
            return self.finished_at - self.started_at
        return None


class RejectedRecord(models.Model):
    """A history record the sync could not understand, kept with its raw JSON and the reason."""

    run = models.ForeignKey(
        SyncRun,
        verbose_name=_("sync run"),
        on_delete=models.CASCADE,
        related_name="rejected_records",
    )
    raw = models.JSONField(_("Kerio record"))
    # Why, as a stored message (``providers.messages``); its code and parameters also kept apart.
    reason = models.JSONField(_("reason"))
    code = models.CharField(_("code"), max_length=30, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("rejected record")
        verbose_name_plural = _("rejected records")

    def __str__(self):
        return words(self.reason)

    @property
    def message(self):
        """Why the record was rejected, in the reader's language."""
        return words(self.reason)


class Heartbeat(models.Model):
    """When a background process last proved it was alive (the worker, beat)."""

    # The name the worker's heartbeat task records (beat schedules it, a worker runs it).
    WORKER = "worker"

    name = models.CharField(_("name"), max_length=50, unique=True)
    seen_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.seen_at}"


class ExportJob(models.Model):
    """A large export written by the worker into a file under VAR_DIR/exports, for the user who
    asked for it alone; the file and the job are removed after EXPORT_KEEP_HOURS."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    # The Calls page's filters, as its query string: the job applies them as the page does.
    query = models.TextField(blank=True)
    filename = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def path(self) -> Path:
        return Path(settings.VAR_DIR) / "exports" / f"{self.pk}.xlsx"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def expires_at(self):
        return self.created_at + timedelta(hours=settings.EXPORT_KEEP_HOURS)


# -- Callbacks: missed calls worked off (derived by monitoring.callbacks) --------------------------


class CallbackState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CallbackResolution(models.TextChoices):
    """How a callback was closed: by a call the sync stored, or by a person's outcome."""

    CALLED_BACK = "called_back", _("Called back")
    CUSTOMER_CALLED_AGAIN = "called_again", _("Customer called again")
    REACHED = "reached", _("Reached")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    NOT_NEEDED = "not_needed", _("Not needed")


# Resolutions that count as "called back" in the time-to-callback figures.
CALLED_BACK_RESOLUTIONS = (CallbackResolution.CALLED_BACK, CallbackResolution.REACHED)
# Resolutions left out of the service level: there was nobody to call back.
DISMISSED_RESOLUTIONS = (CallbackResolution.WRONG_NUMBER, CallbackResolution.NOT_NEEDED)


class Callback(models.Model):
    """One external number's missed calls awaiting a callback, from the first missed call until an
    answered call with the number or a person's outcome closes it.

    Derived: `monitoring.callbacks.derive` computes every field from the stored calls and the
    `CallbackAction` rows, and can rebuild them all; nothing else writes here. Calls are named by
    id without a foreign key, so deleting old calls (retention) never cascades through this table;
    a rebuild drops what they no longer support.
    """

    number = models.CharField(_("number"), max_length=32)
    name = models.CharField(_("name"), max_length=255, blank=True)
    pbx = models.ForeignKey(
        PbxConnection, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("PBX")
    )
    first_call_id = models.BigIntegerField(unique=True)
    first_missed_at = models.DateTimeField(_("first attempt"))
    last_missed_at = models.DateTimeField(_("last attempt"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    out_of_hours = models.BooleanField(_("out of hours"), default=False)
    # When the callback clock starts: the first missed call, or the next opening after it.
    clock_starts_at = models.DateTimeField()
    state = models.CharField(
        _("state"), max_length=10, choices=CallbackState.choices, default=CallbackState.OPEN
    )
    resolution = models.CharField(
        _("outcome"), max_length=12, choices=CallbackResolution.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_call_id = models.BigIntegerField(null=True, blank=True)
    closed_by_extension = models.CharField(_("extension"), max_length=32, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("closed by"),
    )  # fmt: skip
    # Time to callback on the callback clock (business hours only, by default), once closed.
    clock_seconds = models.PositiveIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="callbacks", verbose_name=_("owner"),
    )  # fmt: skip
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Our tries that did not reach the customer: "no answer" outcomes and unanswered calls out.
    tries = models.PositiveIntegerField(_("tries"), default=0)
    last_try_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["clock_starts_at", "id"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [
            # The queue: open callbacks, longest waiting first; the oldest one's age.
            models.Index(fields=["state", "clock_starts_at", "id"], name="callback_state_clock"),
            # The closed ones, most recently closed first.
            models.Index(fields=["state", "-closed_at", "-id"], name="callback_state_closed"),
            # Re-deriving one number's callbacks after a sync or an action.
            models.Index(fields=["number", "first_missed_at"], name="callback_number"),
            # The period's time-to-callback figures and the closed list.
            models.Index(fields=["first_missed_at"], name="callback_first_missed"),
            # An operator's own callbacks.
            models.Index(fields=["owner", "state"], name="callback_owner_state"),
        ]

    def __str__(self):
        return f"{self.number} {self.first_missed_at:%Y-%m-%d %H:%M} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == CallbackState.OPEN


class CallbackAction(models.Model):
    """A person's action on a number's open callback: claim, assign, or an outcome.

    Kept by number and time rather than by callback row: the derivation applies each action to the
    callback open for the number at that moment, so the rows can always be rebuilt from the calls
    and these actions.
    """

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        ASSIGN = "assign", _("Assigned")
        OUTCOME = "outcome", _("Outcome")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        NOT_NEEDED = "not_needed", _("Not needed")

    number = models.CharField(max_length=32)
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The assignee of an assignment.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The acting operator's extension, for the per-extension figures.
    extension = models.CharField(max_length=32, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["number", "at"], name="callbackaction_number_at")]

    def __str__(self):
        return f"{self.number} {self.kind} {self.outcome} @ {self.at}"


class WorkingHours(models.Model):
    """When the call center works on one weekday (0 = Monday); no row or `closed` means closed."""

    weekday = models.PositiveSmallIntegerField(
        _("weekday"), unique=True, choices=sorted(WEEKDAYS.items())
    )
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        ordering = ["weekday"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self):
        return f"{self.get_weekday_display()}: {self.opens or ''} to {self.closes or ''}"


class CalendarDay(models.Model):
    """A day that differs from the weekly hours: a movable holiday (Ramazon hayit, Qurbon hayit),
    or a working day the government moved onto a day off. Uzbekistan's fixed public holidays are
    built in (`monitoring.callbacks.hours.FIXED_HOLIDAYS`); a working day here overrides one."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Non-working day")
        WORKING = "working", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar of non-working days")

    def __str__(self):
        return f"{self.date} {self.name}"


# The analytics' and the rollups' own models live with them; importing them here registers them
# with the app.
from monitoring.analytics.models import (  # noqa: E402, F401
    InboundCall,
    WallboardLink,
    WallboardSettings,
)
from monitoring.rollups.models import CallHour, CallHourTotal  # noqa: E402, F401

"""The hourly rollup of the calls (imported by monitoring.models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Waits (seconds) the rollup counts "answered within" for: the service level is exact from the
# rollup for any SERVICE_LEVEL_SECONDS among them (another threshold is counted from the calls).
WAIT_BOUNDS = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180)
# The call fields a rollup row is keyed by, besides the PBX and the hour.
KEY_FIELDS = ("direction", "status", "extension", "line")
# The same for the rollup over every extension.
TOTAL_KEY_FIELDS = ("direction", "status", "line")


def within_field(seconds: int) -> str:
    return f"within_{seconds}"


class HourMeasures(models.Model):
    """What a rollup row adds up of its calls: how many, their talk and wait seconds, the longest
    wait, and how many waited at most each of WAIT_BOUNDS seconds."""

    pbx = models.ForeignKey(
        "providers.PbxConnection",
        verbose_name=_("PBX"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique key starts with it
    )
    hour = models.DateTimeField(_("hour"))
    direction = models.CharField(_("direction"), max_length=10)
    status = models.CharField(_("status"), max_length=10)
    line = models.CharField(_("line"), max_length=32, blank=True)
    calls = models.IntegerField(_("calls"), default=0)
    talk_seconds = models.BigIntegerField(_("talk seconds"), default=0)
    wait_seconds = models.BigIntegerField(_("wait seconds"), default=0)
    wait_max = models.IntegerField(_("longest wait"), default=0)
    within_5 = models.IntegerField(default=0)
    within_10 = models.IntegerField(default=0)
    within_15 = models.IntegerField(default=0)
    within_20 = models.IntegerField(default=0)
    within_30 = models.IntegerField(default=0)
    within_45 = models.IntegerField(default=0)
    within_60 = models.IntegerField(default=0)
    within_90 = models.IntegerField(default=0)
    within_120 = models.IntegerField(default=0)
    within_180 = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.pbx_id} {self.hour:%Y-%m-%d %H:00} {self.direction} {self.status}"


class CallHour(HourMeasures):
    """The calls of one PBX that started in one UTC hour with the same direction, status,
    extension and line. Kept by the database (see maintenance.py)."""

    extension = models.CharField(_("extension"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("calls of an hour")
        verbose_name_plural = _("calls by hour")
        constraints = [
            models.UniqueConstraint(
                fields=["pbx", "hour", *KEY_FIELDS], name="call_hour_unique_key"
            ),
        ]
        indexes = [
            # Every PBX's hours of a period (the pages of a supervisor).
            models.Index(fields=["hour"], name="call_hour_hour"),
        ]


class CallHourTotal(HourMeasures):
    """The same without the extension: a few rows an hour instead of about one a call (at 2,000
    calls a day on 40 extensions most calls of an hour have an extension, status and line of
    their own), for the figures that need no extension."""

    class Meta:
        verbose_name = _("calls of an hour, all extensions")
        verbose_name_plural = _("calls by hour, all extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["pbx", "hour", *TOTAL_KEY_FIELDS], name="call_hour_total_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["hour"], name="call_hour_total_hour")]

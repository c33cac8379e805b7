"""Retention: off by default; deletes only calls older than N months, in batches; dry run counts."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import Call
from monitoring.retention import purge_calls, retention_cutoff

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)


def _calls(pbx, *ages_in_days):
    for n, days in enumerate(ages_in_days):
        Call.objects.create(pbx=pbx, key=f"k{n}", started_at=NOW - timedelta(days=days), raw={})


def test_the_cutoff_is_in_calendar_months():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert retention_cutoff(3, now=now) == datetime(2026, 8, 26, 12, 0, tzinfo=UTC)


def test_it_deletes_only_older_calls_in_batches(pbx):
    _calls(pbx, 1, 10, 100, 200, 300, 400)
    batches = []
    deleted = purge_calls(NOW - timedelta(days=50), batch_size=2, progress=batches.append)
    assert deleted == 4
    assert batches == [2, 4]
    assert sorted(Call.objects.values_list("key", flat=True)) == ["k0", "k1"]


def test_the_dry_run_deletes_nothing(pbx):
    _calls(pbx, 1, 100, 200)
    assert purge_calls(NOW - timedelta(days=50), dry_run=True) == 2
    assert Call.objects.count() == 3


def test_the_command_does_nothing_while_retention_is_off(pbx, settings):
    settings.CALL_RETENTION_MONTHS = 0
    _calls(pbx, 1000)
    out = StringIO()
    call_command("purge_calls", stdout=out)
    assert "Retention is off" in out.getvalue()
    assert Call.objects.count() == 1


def test_the_command_deletes_by_the_setting(pbx, settings):
    settings.CALL_RETENTION_MONTHS = 12
    _calls(pbx, 1, 30, 1000, 2000)
    out = StringIO()
    call_command("purge_calls", stdout=out)
    assert "Deleted 2 call(s)" in out.getvalue()
    assert Call.objects.count() == 2


def test_the_command_refuses_a_zero_period(pbx):
    with pytest.raises(CommandError):
        call_command("purge_calls", older_than_months=0, stdout=StringIO())

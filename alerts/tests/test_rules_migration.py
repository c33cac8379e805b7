"""Business hours move from each rule to the working hours: a rule whose own hours differed keeps
them in the audit log, and migrating back restores them."""

import datetime as dt

import pytest
from django.db.migrations.loader import MigrationLoader

from monitoring.tests.migrating import migrate, migrated_to

pytestmark = pytest.mark.django_db(transaction=True)


def with_other_apps_latest(alerts_migration: str) -> list[tuple[str, str]]:
    """The alerts app at `alerts_migration`, every other app at its latest migration."""
    leaves = MigrationLoader(None).graph.leaf_nodes()
    return [node for node in leaves if node[0] != "alerts"] + [("alerts", alerts_migration)]


BEFORE = with_other_apps_latest("0002_digests")
AFTER = with_other_apps_latest("0003_rule_thresholds")


@pytest.fixture
def before():
    yield from migrated_to(BEFORE)


@pytest.fixture
def rules(before):
    # The working week made Monday to Saturday 09:00 to 18:00 …
    # (a weekday without a row has the default hours: a flushed database has none)
    before.get_model("monitoring", "WorkingHours").objects.update_or_create(
        weekday=5, defaults={"opens": dt.time(9), "closes": dt.time(18)}
    )
    Rule = before.get_model("alerts", "Rule")
    # … which the health rule's default hours match, and the missed-call rule's do not.
    same = Rule.objects.create(kind="unhealthy")
    own = Rule.objects.create(
        kind="missed_call",
        business_start=dt.time(8),
        business_end=dt.time(17, 30),
        business_days="12345",
    )
    return same.pk, own.pk


def test_a_rule_with_hours_of_its_own_keeps_them_in_the_audit_log(rules):
    _same, own = rules
    after = migrate(AFTER)

    entries = after.get_model("accounts", "AuditEntry").objects.filter(object_type="alerts.Rule")
    (entry,) = entries
    assert (entry.action, entry.object_id, entry.object_repr) == ("update", str(own), "missed_call")
    assert entry.changes == {
        "business_start": ["08:00:00", None],
        "business_end": ["17:30:00", None],
        "business_days": ["12345", None],
    }
    rule = after.get_model("alerts", "Rule").objects.get(pk=own)
    assert not hasattr(rule, "business_days")
    assert (rule.overdue_minutes, rule.target_percent, rule.silence_minutes) == (30, 80, 20)


def test_migrating_back_restores_the_rules_own_hours(rules):
    same, own = rules
    migrate(AFTER)
    back = migrate(BEFORE)

    Rule = back.get_model("alerts", "Rule")
    restored = Rule.objects.get(pk=own)
    assert (restored.business_start, restored.business_end, restored.business_days) == (
        dt.time(8),
        dt.time(17, 30),
        "12345",
    )
    default = Rule.objects.get(pk=same)
    assert (default.business_start, default.business_days) == (dt.time(9), "123456")

"""Each rule's form shows its own settings (thresholds), and no business hours of its own: those
are the working hours."""

import pytest
from django.urls import reverse

from alerts.models import Rule

pytestmark = pytest.mark.django_db

OWN_SETTINGS = {
    "missed_call": set(),
    "unhealthy": set(),
    "callback_overdue": {"overdue_minutes"},
    "service_level": {"target_percent", "min_calls", "margin_percent", "recovery_minutes"},
    "inbound_silence": {"silence_minutes", "usual_calls", "history_weeks"},
}
EVERY_SETTING = set().union(*OWN_SETTINGS.values())


@pytest.mark.parametrize("kind", sorted(OWN_SETTINGS))
def test_a_rules_form_shows_its_own_settings_only(administrator_client, kind):
    response = administrator_client.get(reverse("notification_rule_edit", args=[kind]))

    fields = set(response.context["form"].fields)
    assert fields & EVERY_SETTING == OWN_SETTINGS[kind]
    assert not {"business_start", "business_end", "business_days"} & fields
    content = response.content.decode()
    for name in OWN_SETTINGS[kind]:
        assert f'name="{name}"' in content


def test_the_service_level_thresholds_are_saved_and_checked(administrator_client):
    url = reverse("notification_rule_edit", args=["service_level"])
    data = {
        "quiet_mode": "hold",
        "target_percent": "120",
        "min_calls": "8",
        "margin_percent": "3",
        "recovery_minutes": "10",
    }

    response = administrator_client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["target_percent"]

    response = administrator_client.post(url, {**data, "target_percent": "90"})
    assert response.status_code == 302
    rule = Rule.objects.get(kind="service_level")
    assert (rule.target_percent, rule.min_calls, rule.margin_percent, rule.recovery_minutes) == (
        90,
        8,
        3,
        10,
    )
    assert rule.silence_minutes == 20  # another kind's setting, untouched


def test_the_form_says_who_receives_the_incidents(administrator_client):
    response = administrator_client.get(reverse("notification_rule_edit", args=["inbound_silence"]))

    assert "Only supervisors and administrators receive these messages." in (
        response.content.decode()
    )

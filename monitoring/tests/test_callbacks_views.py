"""The callbacks page: who sees what, the buttons, the figures, and the refresh."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.roles import Role
from accounts.testing import make_user
from monitoring.callbacks import actions, derive
from monitoring.models import Callback
from monitoring.tests.callback_data import at, call, missed

pytestmark = pytest.mark.django_db
URL = reverse("callback_list")


@pytest.fixture
def queue(pbx, operator_user):
    """Three open callbacks: one unassigned, one the operator's, one someone else's."""
    missed(pbx, at("10:00"), "901111111", name="Unassigned")
    missed(pbx, at("10:01"), "902222222")
    missed(pbx, at("10:02"), "903333333")
    derive.rebuild()
    other = make_user("otabek", Role.OPERATOR, extensions="105", pbx=pbx)
    actions.claim(Callback.objects.get(number="902222222"), operator_user)
    actions.claim(Callback.objects.get(number="903333333"), other)
    return other


def listed(response) -> list[str]:
    return [row.callback.number for row in response.context["rows"]]


def test_operators_see_the_unassigned_callbacks_and_their_own(queue, operator_client):
    response = operator_client.get(URL)
    assert listed(response) == ["901111111", "902222222"]
    assert b"Unassigned" in response.content


def test_supervisors_see_all_and_filter_by_owner(queue, supervisor_client):
    assert listed(supervisor_client.get(URL)) == ["901111111", "902222222", "903333333"]
    only = supervisor_client.get(URL, {"owner": str(queue.pk)})
    assert listed(only) == ["903333333"]
    assert listed(supervisor_client.get(URL, {"owner": "none"})) == ["901111111"]


def test_closed_callbacks_are_listed_apart(queue, supervisor_client, pbx):
    call(pbx, at("10:30"), "outbound", "answered", "901111111", extension="104")
    derive.refresh({"901111111": at("10:30")})
    assert "901111111" not in listed(supervisor_client.get(URL))
    closed = supervisor_client.get(URL, {"state": "closed"})
    assert listed(closed) == ["901111111"]
    assert "Called back" in closed.content.decode()


def test_an_operator_claims_with_the_button(queue, operator_client, operator_user):
    callback = Callback.objects.get(number="901111111")
    response = operator_client.post(reverse("callback_claim", args=[callback.pk]), {"next": URL})
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.owner == operator_user


def test_a_taken_callback_cannot_be_claimed_or_closed_by_another_operator(queue, operator_client):
    theirs = Callback.objects.get(number="903333333")
    response = operator_client.post(reverse("callback_claim", args=[theirs.pk]))
    assert response.status_code == 404
    response = operator_client.post(
        reverse("callback_outcome", args=[theirs.pk]), {"outcome": "reached"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_open and theirs.owner == queue


def test_the_operator_closes_their_callback_reached(queue, operator_client):
    mine = Callback.objects.get(number="902222222")
    response = operator_client.post(
        reverse("callback_outcome", args=[mine.pk]), {"outcome": "reached"}, follow=True
    )
    mine.refresh_from_db()
    assert mine.resolution == "reached"
    assert "902222222" not in listed(response)
    assert AuditEntry.objects.filter(action="outcome", object_id=str(mine.pk)).exists()


def test_an_unknown_outcome_is_refused_and_changes_nothing(queue, operator_client):
    mine = Callback.objects.get(number="902222222")
    response = operator_client.post(
        reverse("callback_outcome", args=[mine.pk]), {"outcome": "solved"}, follow=True
    )
    assert "Choose how the call went." in response.content.decode()
    mine.refresh_from_db()
    assert mine.is_open


def test_operators_may_not_assign(queue, operator_client, operator_user):
    free = Callback.objects.get(number="901111111")
    response = operator_client.post(
        reverse("callback_assign", args=[free.pk]), {"assignee": operator_user.pk}
    )
    assert response.status_code == 403
    free.refresh_from_db()
    assert free.owner is None


def test_a_supervisor_assigns(queue, supervisor_client, operator_user):
    free = Callback.objects.get(number="901111111")
    supervisor_client.post(
        reverse("callback_assign", args=[free.pk]), {"assignee": operator_user.pk}
    )
    free.refresh_from_db()
    assert free.owner == operator_user


def test_the_page_shows_the_figures_and_refreshes_its_queue(queue, supervisor_client):
    page = supervisor_client.get(URL).content.decode()
    assert 'hx-trigger="every 10s"' in page
    assert '<meta http-equiv="refresh" content="10">' in page  # without JavaScript
    assert 'data-kpi="callbacks_open"' in page
    part = supervisor_client.get(URL, headers={"HX-Request": "true", "HX-Target": "callback-queue"})
    body = part.content.decode()
    assert body.lstrip().startswith('<div id="callback-queue"')
    assert "<html" not in body


def test_the_queue_puts_the_longest_waiting_first(pbx, supervisor_client):
    missed(pbx, at("11:00"), "905555555")
    # Missed at night: its clock starts at the opening, before the 11:00 one.
    missed(pbx, at("03:00"), "906666666")
    missed(pbx, at("09:30"), "907777777")
    derive.rebuild()
    assert listed(supervisor_client.get(URL)) == ["906666666", "907777777", "905555555"]


@pytest.mark.parametrize(
    ("language", "open_label", "closed_label"),
    [("ru", "Открытые", "Закрытые"), ("uz", "Ochiqlari", "Yopilganlari"), ("en", "Open", "Closed")],
)
def test_the_state_filter_names_the_lists_not_an_action(
    queue, supervisor_client, language, open_label, closed_label
):
    supervisor_client.post(reverse("set_language"), {"language": language, "next": URL})
    page = supervisor_client.get(URL).content.decode()
    assert f'<option value="open">{open_label}</option>' in page
    assert f'<option value="closed">{closed_label}</option>' in page

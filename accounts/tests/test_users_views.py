"""Settings → Users: administrators list, create, change, reset and deactivate people; every
change is in the audit log; an operator's extensions decide which calls they see."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.roles import Role, operator_extensions, role_of
from accounts.testing import PASSWORD, make_user
from monitoring.models import Call, CallStatus, Direction
from providers.directory import store_directory
from providers.models import PbxConnection

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def pbx():
    pbx = PbxConnection.objects.create(
        name="Main", host="pbx.example.uz", username="a", password="p"
    )
    store_directory(
        pbx,
        [
            {"TEL_NUM": "101", "DESCRIPTION": "Dilnoza Karimova", "EXTENSION_TYPE_ID": 1},
            {"TEL_NUM": "102", "DESCRIPTION": "Азиз Рахимов", "EXTENSION_TYPE_ID": 1},
            {"TEL_NUM": "700", "DESCRIPTION": "Ovozli menyu", "EXTENSION_TYPE_ID": 6},
        ],
    )
    return pbx


def _audit(user, action=None):
    entries = AuditEntry.objects.filter(object_type=User._meta.label, object_id=str(user.pk))
    return entries.filter(action=action) if action else entries


def _shown_password(response) -> str:
    match = re.search(r'<code id="new-password">([^<]+)</code>', response.content.decode())
    assert match, "the page shows the new password"
    return match.group(1)


def test_it_lists_people_with_role_extensions_and_last_sign_in(administrator_client, pbx):
    person = make_user("olim", Role.OPERATOR, extensions="101", pbx=pbx)
    person.last_login = dt.datetime(2026, 12, 1, 5, 30, tzinfo=dt.UTC)
    person.save()
    page = administrator_client.get(reverse("user_list")).content.decode()
    row = page[page.index(">olim<") :].split("</tr>")[0]
    assert "Operator" in row
    assert "101 · Dilnoza Karimova" in row
    assert "2026-12-01 10:30" in row  # shown in Tashkent time


@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_it_is_closed_to_everyone_but_administrators(role, role_client):
    assert role_client(role).get(reverse("user_list")).status_code == 403
    response = role_client(role).post(
        reverse("user_create"), {"username": "intruder", "role": int(Role.ADMINISTRATOR)}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()


def test_the_extension_picker_lists_the_directorys_people_by_name(administrator_client, pbx):
    page = administrator_client.get(reverse("user_create")).content.decode()
    assert "101 · Dilnoza Karimova" in page
    assert "102 · Азиз Рахимов" in page
    assert "Ovozli menyu" not in page  # the IVR answers no calls of its own


@pytest.mark.parametrize(
    ("role", "staff"),
    [(Role.ADMINISTRATOR, True), (Role.SUPERVISOR, False), (Role.OPERATOR, False)],
)
def test_it_creates_a_user_in_each_role_and_shows_the_password_once(
    administrator_client, pbx, role, staff
):
    form = {"username": "nigora", "name": "Nigora Aliyeva", "role": int(role)}
    if role == Role.OPERATOR:
        form["extensions"] = [f"{pbx.pk}:102"]
    response = administrator_client.post(reverse("user_create"), form)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    password = _shown_password(response)
    person = User.objects.get(username="nigora")
    assert (person.first_name, person.last_name) == ("Nigora", "Aliyeva")
    assert role_of(person) == role
    assert person.is_staff is staff
    assert operator_extensions(person) == ({pbx.pk: ["102"]} if role == Role.OPERATOR else {})
    assert Client().login(username="nigora", password=password)
    # Stored nowhere readable: the list does not show it again.
    assert password not in administrator_client.get(reverse("user_list")).content.decode()
    created = _audit(person, "create").get()
    assert created.username == "aziza"
    assert password not in str(created.changes)


def test_an_operator_needs_an_extension(administrator_client, pbx):
    response = administrator_client.post(
        reverse("user_create"), {"username": "nobody", "role": int(Role.OPERATOR)}
    )
    assert "choose at least one" in response.content.decode()
    assert not User.objects.filter(username="nobody").exists()


def test_it_refuses_a_taken_username(administrator_client):
    make_user("jasur", Role.SUPERVISOR)
    response = administrator_client.post(
        reverse("user_create"), {"username": "Jasur", "role": int(Role.SUPERVISOR)}
    )
    assert "already exists" in response.content.decode()
    assert User.objects.filter(username__iexact="jasur").count() == 1


def test_it_changes_a_role_and_audits_it(administrator_client, pbx):
    person = make_user("olim", Role.OPERATOR, extensions="101", pbx=pbx)
    before = AuditEntry.objects.count()
    response = administrator_client.post(
        reverse("user_edit", args=[person.pk]), {"role": int(Role.SUPERVISOR)}
    )
    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert role_of(person) == Role.SUPERVISOR
    entries = AuditEntry.objects.order_by("id")[before:]
    assert {entry.username for entry in entries} == {"aziza"}
    changes = [entry.changes for entry in entries]
    assert {"groups added": ["Supervisor"]} in changes
    assert {"groups removed": ["Operator"]} in changes
    assert any(entry.action == "delete" and "olim" in entry.object_repr for entry in entries)


def test_an_administrator_cannot_change_their_own_role(administrator_client, administrator_user):
    response = administrator_client.post(
        reverse("user_edit", args=[administrator_user.pk]), {"role": int(Role.OPERATOR)}
    )
    assert "You cannot change your own role." in response.content.decode()
    assert role_of(User.objects.get(pk=administrator_user.pk)) == Role.ADMINISTRATOR


def test_it_resets_a_password_shown_once_and_audited(administrator_client):
    person = make_user("olim", Role.SUPERVISOR)
    response = administrator_client.post(reverse("user_reset_password", args=[person.pk]))
    password = _shown_password(response)
    assert password != PASSWORD
    assert not Client().login(username="olim", password=PASSWORD)
    assert Client().login(username="olim", password=password)
    entry = _audit(person, "update").order_by("id").last()
    assert entry.changes == {"password": "changed"}


def test_it_deactivates_and_the_person_can_no_longer_sign_in(administrator_client):
    person = make_user("olim", Role.SUPERVISOR)
    response = administrator_client.post(
        reverse("user_set_active", args=[person.pk]), {"active": "0"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).is_active is False
    assert not Client().login(username="olim", password=PASSWORD)
    assert _audit(person, "update").order_by("id").last().changes == {"is_active": [True, False]}


def test_an_administrator_cannot_deactivate_themselves(administrator_client, administrator_user):
    administrator_client.post(
        reverse("user_set_active", args=[administrator_user.pk]), {"active": "0"}
    )
    assert User.objects.get(pk=administrator_user.pk).is_active


def _call(pbx, key, extension):
    return Call.objects.create(
        pbx=pbx,
        key=key,
        started_at=timezone.now() - dt.timedelta(minutes=5),
        direction=Direction.INBOUND,
        from_number="+998901234567",
        to_number=extension,
        extension=extension,
        status=CallStatus.ANSWERED,
        raw={},
    )


def test_the_extensions_given_here_limit_what_the_operator_sees(administrator_client, pbx):
    _call(pbx, "a", "101")
    _call(pbx, "b", "102")
    response = administrator_client.post(
        reverse("user_create"),
        {"username": "olim", "role": int(Role.OPERATOR), "extensions": [f"{pbx.pk}:102"]},
    )
    password = _shown_password(response)
    operator = Client()
    assert operator.login(username="olim", password=password)
    page = operator.get(reverse("call_list")).content.decode()
    ids = {call.extension: call.pk for call in Call.objects.all()}
    assert reverse("call_detail", args=[ids["102"]]) in page
    assert reverse("call_detail", args=[ids["101"]]) not in page
    # Given 101 instead, they see that call and no longer the other.
    person = User.objects.get(username="olim")
    administrator_client.post(
        reverse("user_edit", args=[person.pk]),
        {"role": int(Role.OPERATOR), "extensions": [f"{pbx.pk}:101"]},
    )
    page = operator.get(reverse("call_list")).content.decode()
    assert reverse("call_detail", args=[ids["101"]]) in page
    assert reverse("call_detail", args=[ids["102"]]) not in page


def test_each_pbx_has_its_own_extensions(administrator_client, pbx):
    branch = PbxConnection.objects.create(
        name="Branch", host="branch.example.uz", username="a", password="p"
    )
    store_directory(branch, [{"TEL_NUM": "101", "DESCRIPTION": "Sherzod", "EXTENSION_TYPE_ID": 1}])
    page = administrator_client.get(reverse("user_create")).content.decode()
    assert "Branch · 101 · Sherzod" in page and "Main · 101 · Dilnoza Karimova" in page
    administrator_client.post(
        reverse("user_create"),
        {
            "username": "olim",
            "role": int(Role.OPERATOR),
            "extensions": [f"{branch.pk}:101"],
            "other_extensions": "150",
            "other_pbx": str(pbx.pk),
        },
    )
    person = User.objects.get(username="olim")
    assert operator_extensions(person) == {branch.pk: ["101"], pbx.pk: ["150"]}

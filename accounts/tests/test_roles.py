"""A user's role comes from their groups (the highest wins), and an operator's extensions, by
PBX, from their profiles: both read in one query, once per request."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OperatorProfile
from accounts.roles import GROUP_NAMES, Role, operator_extensions, role_of
from accounts.testing import make_user

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a request loads them: nothing read about them yet."""
    return get_user_model().objects.get(pk=user.pk)


def test_an_operator_has_the_operator_role_and_their_extensions(operator_user, pbx):
    user = fresh(operator_user)
    assert role_of(user) == Role.OPERATOR
    assert operator_extensions(user) == {pbx.pk: ["101", "102"]}


def test_an_operator_of_two_pbxes_has_the_extensions_of_each(operator_user, pbx):
    from providers.models import PbxConnection

    branch = PbxConnection.objects.create(name="Branch", host="branch.example.uz", username="u")
    OperatorProfile.objects.create(user=operator_user, pbx=branch, extensions="101, 205")
    user = fresh(operator_user)
    assert role_of(user) == Role.OPERATOR
    assert operator_extensions(user) == {pbx.pk: ["101", "102"], branch.pk: ["101", "205"]}
    # Read without the role's statement too (a user whose role was never asked).
    assert operator_extensions(fresh(operator_user)) == operator_extensions(user)


def test_the_highest_of_several_roles_wins(operator_user):
    for role in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        operator_user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[role])[0])
        assert role_of(fresh(operator_user)) == role


def test_groups_that_are_not_roles_give_no_role(db):
    user = make_user("guest", None)
    user.groups.add(Group.objects.create(name="Visitors"))
    assert role_of(fresh(user)) == Role.NONE
    assert operator_extensions(fresh(user)) == {}


def test_group_names_must_match_exactly(db):
    user = make_user("near", None)
    user.groups.add(Group.objects.create(name=GROUP_NAMES[Role.ADMINISTRATOR].lower()))
    assert role_of(fresh(user)) == Role.NONE


def test_an_operator_without_a_profile_has_no_extensions(db):
    user = make_user("lone", Role.OPERATOR)
    assert role_of(fresh(user)) == Role.OPERATOR
    assert operator_extensions(fresh(user)) == {}


def test_an_empty_profile_gives_no_extensions(pbx):
    user = make_user("blank", Role.OPERATOR)
    OperatorProfile.objects.create(user=user, pbx=pbx, extensions="")
    assert operator_extensions(fresh(user)) == {}


def test_superusers_are_administrators_without_a_query(db, django_assert_num_queries):
    user = fresh(make_user("root", None, is_superuser=True))
    with django_assert_num_queries(0):
        assert role_of(user) == Role.ADMINISTRATOR


def test_inactive_users_have_no_role(operator_user):
    operator_user.is_active = False
    operator_user.save()
    assert role_of(fresh(operator_user)) == Role.NONE


def test_the_role_and_the_extensions_cost_one_query(operator_user, pbx, django_assert_num_queries):
    user = fresh(operator_user)
    with django_assert_num_queries(1):
        assert role_of(user) == Role.OPERATOR
        assert operator_extensions(user) == {pbx.pk: ["101", "102"]}
        assert role_of(user) == Role.OPERATOR  # kept for the rest of the request


def test_an_operators_calls_page_reads_the_role_and_extensions_once(operator_client):
    with CaptureQueriesContext(connection) as queries:
        response = operator_client.get(reverse("call_list"))
    assert response.status_code == 200
    reads = [
        query["sql"]
        for query in queries
        if "auth_user_groups" in query["sql"] or "accounts_operatorprofile" in query["sql"]
    ]
    assert len(reads) == 1, reads


def test_a_demoted_user_loses_the_page_at_the_next_request(supervisor_user, supervisor_client):
    assert supervisor_client.get(reverse("health")).status_code == 200
    supervisor_user.groups.clear()
    supervisor_user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.OPERATOR])[0])
    assert supervisor_client.get(reverse("health")).status_code == 403

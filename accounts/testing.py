"""The standing test users: anonymous, an operator (extensions 101 and 102 of the `pbx` fixture's
PBX), a supervisor and an administrator, plus a client signed in as each; and the superuser most
tests sign in as (`admin_user`, `admin_client`; the browser tests log in with ADMIN_USERNAME and
ADMIN_PASSWORD).

Registered as a pytest plugin from the root conftest::

    def test_it_hides_other_extensions_calls(operator_client): ...
    def test_it_walks_every_role(role_client):
        for role in ROLES: role_client(role).get(...)
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import OperatorProfile
from accounts.roles import GROUP_NAMES, Role

ROLES = ("anonymous", "operator", "supervisor", "administrator")
OPERATOR_EXTENSIONS = "101, 102"
PASSWORD = "Standing-pass-123"  # noqa: S105 (test users only)
# The superuser most tests sign in as (`admin_user`, `admin_client`).
ADMIN_USERNAME = "boss"
ADMIN_PASSWORD = "Boss-pass-123"  # noqa: S105 (test users only)


def make_user(username: str, role: Role | None, *, extensions: str = "", pbx=None, **fields):
    """A user in the role's group; with `extensions`, an operator of those extensions on `pbx`."""
    user = get_user_model().objects.create_user(username, password=PASSWORD, **fields)
    if role is not None:
        group, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
        user.groups.add(group)
    if extensions:
        OperatorProfile.objects.create(user=user, pbx=pbx, extensions=extensions)
    return user


@pytest.fixture
def operator_user(pbx):
    return make_user("olga", Role.OPERATOR, extensions=OPERATOR_EXTENSIONS, pbx=pbx)


@pytest.fixture
def supervisor_user(db):
    return make_user("sardor", Role.SUPERVISOR)


@pytest.fixture
def administrator_user(db):
    return make_user("aziza", Role.ADMINISTRATOR, is_staff=True, is_superuser=False)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operator_client(operator_user):
    return _signed_in(operator_user)


@pytest.fixture
def supervisor_client(supervisor_user):
    return _signed_in(supervisor_user)


@pytest.fixture
def administrator_client(administrator_user):
    return _signed_in(administrator_user)


@pytest.fixture
def role_client(db, operator_user, supervisor_user, administrator_user):
    """role_client(name): a client for one of ROLES ("anonymous" is not signed in)."""
    users = {
        "operator": operator_user,
        "supervisor": supervisor_user,
        "administrator": administrator_user,
    }
    clients = {"anonymous": Client(), **{name: _signed_in(user) for name, user in users.items()}}
    return clients.__getitem__


@pytest.fixture
def admin_user(django_user_model):
    """The superuser ADMIN_USERNAME, password ADMIN_PASSWORD."""
    return django_user_model.objects.create_superuser(ADMIN_USERNAME, password=ADMIN_PASSWORD)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client

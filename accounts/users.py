"""Managing people from Settings → Users: one function per action, each audited.

The audit log records every change through the model signals (accounts.audit): a new user, a
changed role (groups added and removed), a reset password (as "changed", never the value), a
deactivated account, an operator's extensions."""

import secrets
import string

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import OperatorProfile
from accounts.roles import GROUP_NAMES, Role

# No look-alike characters (0/O, 1/l/I): the password is read off a screen and typed once.
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 14
ROLES = (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.OPERATOR)


def new_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


@transaction.atomic
def create_user(username: str, role: Role, *, name: str = "", extensions=None) -> tuple:
    """A new active user in `role` with a generated password; returns (user, password).

    Administrators are staff, so Django's admin opens for them too."""
    password = new_password()
    first, _sep, last = name.strip().partition(" ")
    user = get_user_model().objects.create_user(
        username, password=password, first_name=first, last_name=last.strip()
    )
    set_role(user, role)
    set_extensions(user, extensions or {})
    return user, password


@transaction.atomic
def set_role(user, role: Role) -> None:
    """Put `user` in exactly one role's group; staff follows the administrator role."""
    keep, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
    others = user.groups.filter(name__in=GROUP_NAMES.values()).exclude(pk=keep.pk)
    if others:
        user.groups.remove(*others)
    if not user.groups.filter(pk=keep.pk).exists():
        user.groups.add(keep)
    is_staff = role == Role.ADMINISTRATOR or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    _forget_role(user)


@transaction.atomic
def set_extensions(user, extensions: dict) -> None:
    """The extensions an operator answers, by PBX id (their calls on that PBX are the ones they
    see); a PBX left out loses its row."""
    wanted = {
        pbx_id: ", ".join(dict.fromkeys(str(number).strip() for number in numbers if number))
        for pbx_id, numbers in extensions.items()
    }
    wanted = {pbx_id: value for pbx_id, value in wanted.items() if value}
    for profile in OperatorProfile.objects.filter(user=user):
        value = wanted.pop(profile.pbx_id, None)
        if value is None:
            profile.delete()
        elif profile.extensions != value:
            profile.extensions = value
            profile.save()
    for pbx_id, value in wanted.items():
        OperatorProfile.objects.create(user=user, pbx_id=pbx_id, extensions=value)
    _forget_role(user)


@transaction.atomic
def reset_password(user) -> str:
    """Give `user` a new generated password and return it (to be shown once)."""
    password = new_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def set_active(user, active: bool) -> None:
    """Deactivate (or reactivate) an account; a deactivated user cannot sign in."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])


def extensions_of(user) -> dict[int, list[str]]:
    """An operator's extension numbers by PBX id, as stored."""
    return {
        profile.pbx_id: profile.extension_list
        for profile in OperatorProfile.objects.filter(user=user)
    }


def _forget_role(user) -> None:
    for name in ("_role_cache", "_extensions_cache"):
        user.__dict__.pop(name, None)

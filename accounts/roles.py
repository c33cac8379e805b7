"""The three roles, kept as groups, and what each may see.

administrator — everything, settings and users included (superusers are administrators);
supervisor — the dashboard, all calls, exports and health, but no settings;
operator — only the calls and live calls involving their own extensions.
"""

from enum import IntEnum

from django.db.models import Case, Max, Q, Value, When


class Role(IntEnum):
    """Ordered: a higher role may do all a lower one may."""

    NONE = 0
    OPERATOR = 1
    SUPERVISOR = 2
    ADMINISTRATOR = 3


GROUP_NAMES = {
    Role.ADMINISTRATOR: "Administrator",
    Role.SUPERVISOR: "Supervisor",
    Role.OPERATOR: "Operator",
}


def role_of(user) -> Role:
    if not user.is_authenticated or not user.is_active:
        return Role.NONE
    if user.is_superuser:
        return Role.ADMINISTRATOR
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached, user._extensions_cache = _role_and_extensions(user.pk)
        user._role_cache = cached
    return cached


def operator_extensions(user) -> list[str]:
    cached = getattr(user, "_extensions_cache", None)
    if cached is not None:
        return cached
    profile = getattr(user, "operator_profile", None)
    return profile.extension_list if profile else []


def calls_visible_to(user, queryset):
    """Restrict a Call queryset to what `user` may see."""
    role = role_of(user)
    if role >= Role.SUPERVISOR:
        return queryset
    if role == Role.OPERATOR:
        extensions = operator_extensions(user)
        if extensions:
            return queryset.filter(
                Q(extension__in=extensions)
                | Q(from_number__in=extensions)
                | Q(to_number__in=extensions)
            )
    return queryset.none()


def live_calls_visible_to(user, queryset):
    """Restrict a LiveCall queryset to what `user` may see."""
    return calls_visible_to(user, queryset)


def _role_and_extensions(user_id) -> tuple[Role, list[str]]:
    """A user's highest role from their groups, and their extensions as an operator: every page
    checks the role of a user who is not a superuser, and an operator's pages read their
    extensions, so one query answers both."""
    from django.contrib.auth import get_user_model

    from accounts.models import split_extensions

    rank = Max(
        Case(
            *(When(groups__name=name, then=Value(int(role))) for role, name in GROUP_NAMES.items()),
            default=Value(0),
        )
    )
    rows = (
        get_user_model()
        .objects.filter(pk=user_id)
        .values("operator_profile__extensions")  # one row: a user has at most one profile
        .annotate(rank=rank)
        .values_list("rank", "operator_profile__extensions")
    )
    rank, extensions = next(iter(rows), (0, None))
    extension_list = split_extensions(extensions) if extensions is not None else []
    return Role(rank or Role.NONE), extension_list

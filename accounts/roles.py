"""The three roles, kept as groups, and what each may see.

administrator — everything, settings and users included (superusers are administrators);
supervisor — the dashboard, all calls, exports and health, but no settings;
operator — only the calls and live calls involving their own extensions.
"""

from enum import IntEnum

from django.db.models import Q


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
    if cached is not None:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = max((role for role, name in GROUP_NAMES.items() if name in names), default=Role.NONE)
    user._role_cache = role
    return role


def operator_extensions(user) -> list[str]:
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

"""The three roles, kept as groups, and what each may see.

administrator — everything, settings and users included (superusers are administrators);
supervisor — the dashboard, all calls, exports and health, but no settings;
operator — only the calls and live calls involving their own extensions, on the PBX each
           extension belongs to.
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


def operator_extensions(user) -> dict[int, list[str]]:
    """An operator's extension numbers by PBX id."""
    cached = getattr(user, "_extensions_cache", None)
    if cached is not None:
        return cached
    return {
        profile.pbx_id: profile.extension_list
        for profile in user.operator_profiles.all()
        if profile.extension_list
    }


def _operators_own(user, pbx_field: str) -> Q | None:
    """The condition for the calls of the operator's extensions, each on its own PBX; None when
    the operator has no extension yet."""
    condition = None
    for pbx_id, numbers in operator_extensions(user).items():
        own = Q(**{pbx_field: pbx_id}) & (
            Q(extension__in=numbers) | Q(from_number__in=numbers) | Q(to_number__in=numbers)
        )
        condition = own if condition is None else condition | own
    return condition


def calls_visible_to(user, queryset, pbx_field: str = "pbx_id"):
    """Restrict a Call queryset to what `user` may see (`pbx_field`: the lookup of the calls'
    PBX id)."""
    role = role_of(user)
    if role >= Role.SUPERVISOR:
        return queryset
    if role == Role.OPERATOR:
        own = _operators_own(user, pbx_field)
        if own is not None:
            return queryset.filter(own)
    return queryset.none()


def live_calls_visible_to(user, queryset):
    """Restrict a LiveCall queryset to what `user` may see."""
    return calls_visible_to(user, queryset, pbx_field="snapshot__pbx_id")


def _role_and_extensions(user_id) -> tuple[Role, dict[int, list[str]]]:
    """A user's highest role from their groups, and their extensions as an operator by PBX:
    every page checks the role of a user who is not a superuser, and an operator's pages read
    their extensions, so one query answers both (a row per PBX the operator works on, or one
    row without a PBX)."""
    from django.contrib.auth import get_user_model

    from accounts.models import split_extensions

    rank = Max(
        Case(
            *(When(groups__name=name, then=Value(int(role))) for role, name in GROUP_NAMES.items()),
            default=Value(0),
        )
    )
    rows = list(
        get_user_model()
        .objects.filter(pk=user_id)
        .values("operator_profiles__pbx_id", "operator_profiles__extensions")
        .annotate(rank=rank)
        .values_list("rank", "operator_profiles__pbx_id", "operator_profiles__extensions")
    )
    extensions = {}
    for _rank, pbx_id, numbers in rows:
        if pbx_id is not None and split_extensions(numbers):
            extensions[pbx_id] = split_extensions(numbers)
    rank = max((row[0] or 0 for row in rows), default=0)
    return Role(rank), extensions

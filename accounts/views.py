"""Settings → Users, for administrators: the people who sign in, their roles and extensions.

Who may open these pages is decided by URL name (accounts.rules): administrators only.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import users
from accounts.roles import GROUP_NAMES, Role, role_of
from accounts.user_forms import NewUserForm, RoleAndExtensionsForm

_ROLE_OF_GROUP = {name: role for role, name in GROUP_NAMES.items()}


def _pbxes_and_directory() -> tuple[list, list]:
    """(id, name) of each PBX, and (pbx id, number, name) of every person's line they list —
    read from providers lazily: this app imports no other app at module level."""
    from providers.directory import people
    from providers.models import PbxConnection

    pbxes = list(PbxConnection.objects.order_by("name").values_list("pk", "name"))
    return pbxes, [(entry.pbx_id, entry.number, entry.name) for entry in people()]


def _form_arguments(current=None) -> dict:
    pbxes, directory = _pbxes_and_directory()
    return {"pbxes": pbxes, "directory": directory, "current": current or {}}


def _listed_role(user) -> Role:
    """The role from prefetched groups (role_of would query once per user)."""
    if user.is_superuser:
        return Role.ADMINISTRATOR
    ranks = [_ROLE_OF_GROUP.get(group.name, Role.NONE) for group in user.groups.all()]
    return max(ranks, default=Role.NONE)


def user_list(request):
    pbxes, directory = _pbxes_and_directory()
    pbx_names = dict(pbxes)
    names = {(pbx_id, number): name for pbx_id, number, name in directory}
    several = len(pbx_names) > 1
    people = (
        get_user_model()
        .objects.order_by("-is_active", "username")
        .prefetch_related("groups", "operator_profiles")
    )
    rows = []
    for person in people:
        extensions = [
            (
                pbx_names.get(profile.pbx_id, "") if several else "",
                number,
                names.get((profile.pbx_id, number), ""),
            )
            for profile in person.operator_profiles.all()
            for number in profile.extension_list
        ]
        rows.append({"user": person, "role": _listed_role(person), "extensions": extensions})
    return render(request, "accounts/user_list.html", {"rows": rows})


@never_cache
def user_create(request):
    form = NewUserForm(request.POST or None, **_form_arguments())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person, password = users.create_user(
            data["username"],
            Role(data["role"]),
            name=data["name"],
            extensions=data["extension_map"],
        )
        return _show_password(request, person, password, created=True)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@never_cache
def user_edit(request, pk):
    person = get_object_or_404(get_user_model(), pk=pk)
    initial = {"role": int(role_of(person)) or int(Role.OPERATOR)}
    form = RoleAndExtensionsForm(
        request.POST or None, initial=initial, **_form_arguments(users.extensions_of(person))
    )
    locked = _why_locked(request, person)
    if request.method == "POST" and form.is_valid() and locked is None:
        users.set_role(person, Role(form.cleaned_data["role"]))
        users.set_extensions(person, form.cleaned_data["extension_map"])
        messages.success(request, _("User “%(name)s” was saved.") % {"name": person.username})
        return redirect("user_list")
    context = {"form": form, "person": person, "creating": False, "locked": locked}
    return render(request, "accounts/user_form.html", context)


@require_POST
@never_cache
def user_reset_password(request, pk):
    person = get_object_or_404(get_user_model(), pk=pk)
    return _show_password(request, person, users.reset_password(person), created=False)


@require_POST
def user_set_active(request, pk):
    person = get_object_or_404(get_user_model(), pk=pk)
    active = request.POST.get("active") == "1"
    if not active and person.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        users.set_active(person, active)
        done = (
            _("User “%(name)s” was reactivated.")
            if active
            else _("User “%(name)s” was deactivated: they can no longer sign in.")
        )
        messages.success(request, done % {"name": person.username})
    return redirect("user_list")


def _why_locked(request, person) -> str | None:
    """Why this user's role may not be changed here, if it may not."""
    if person.pk == request.user.pk:
        return _("You cannot change your own role.")
    if person.is_superuser:
        return _(
            "A superuser is an administrator whatever their role; change them in Django admin."
        )
    return None


def _show_password(request, person, password: str, *, created: bool):
    """The new password, on this response only: it is stored nowhere and shown once."""
    context = {"person": person, "password": password, "created": created}
    return render(request, "accounts/user_password.html", context)

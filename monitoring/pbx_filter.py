"""The PBX filter of the dashboard and the Calls page: which PBXes a user may choose from.

A supervisor or administrator chooses among all the PBXes; an operator among those they are
linked to (accounts.OperatorProfile). With one PBX or none to choose from, there is no filter.
Choosing never widens what a user sees: the calls stay narrowed by accounts.roles first.
"""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, operator_extensions, role_of
from providers.models import PbxConnection


def pbxes_visible_to(user) -> list[tuple[int, str]]:
    """(id, name) of the PBXes `user` may choose from, by name."""
    role = role_of(user)
    pbxes = PbxConnection.objects.order_by("name", "pk")
    if role == Role.OPERATOR:
        pbxes = pbxes.filter(pk__in=list(operator_extensions(user)))
    elif role < Role.SUPERVISOR:
        return []
    return list(pbxes.values_list("pk", "name"))


def pbx_field(pbxes: list[tuple[int, str]]) -> forms.TypedChoiceField:
    """The select: "All", then each PBX; its value is the PBX's id (None for all)."""
    return forms.TypedChoiceField(
        label=_("PBX"),
        choices=[("", _("All")), *pbxes],
        coerce=int,
        required=False,
        empty_value=None,
    )


class PbxForm(forms.Form):
    """The dashboard's PBX filter (GET parameter `pbx`); the field exists only when there is a
    choice. A PBX the user may not choose is ignored: all of theirs are shown."""

    def __init__(self, data=None, *, pbxes: list[tuple[int, str]], **kwargs):
        if data is not None:
            data = {"pbx": data["pbx"]} if "pbx" in data else None
        super().__init__(data, **kwargs)
        self.names = dict(pbxes)
        if len(pbxes) > 1:
            self.fields["pbx"] = pbx_field(pbxes)

    @property
    def shown(self) -> bool:
        return "pbx" in self.fields

    @property
    def chosen(self) -> int | None:
        """The chosen PBX's id; None for all."""
        if not self.shown or not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get("pbx")

    @property
    def chosen_name(self) -> str:
        return self.names.get(self.chosen, "")

    def narrow(self, calls: QuerySet) -> QuerySet:
        """The calls (or callbacks) of the chosen PBX; all of them when none is chosen."""
        chosen = self.chosen
        return calls if chosen is None else calls.filter(pbx_id=chosen)

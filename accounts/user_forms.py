"""The forms of Settings → Users: a new user, and an existing user's role and extensions.

An operator's extensions are picked from the PBXes' directories (with the people's names), each
on its own PBX: branches may use the same numbers. Numbers an operator already has that the
directory no longer lists stay selectable, so saving loses none; numbers the directory does not
list yet (before the first sync) are typed in for a chosen PBX.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import split_extensions, validate_extension_list
from accounts.roles import Role

ROLE_CHOICES = [
    (int(Role.ADMINISTRATOR), _("Administrator")),
    (int(Role.SUPERVISOR), _("Supervisor")),
    (int(Role.OPERATOR), _("Operator")),
]


def _key(pbx_id, number) -> str:
    return f"{pbx_id}:{number}"


class RoleAndExtensionsForm(forms.Form):
    """A role, and for an operator, the extensions they answer.

    `pbxes`: (id, name) of each PBX; `directory`: (pbx id, number, name) of the people's lines
    the PBXes list; `current`: the operator's extensions by PBX id."""

    role = forms.TypedChoiceField(label=_("Role"), choices=ROLE_CHOICES, coerce=int)
    extensions = forms.MultipleChoiceField(
        label=_("Extensions"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For an operator: the calls of these extensions are the ones they see."),
    )
    other_extensions = forms.CharField(
        label=_("Other extensions"),
        required=False,
        max_length=200,
        validators=[validate_extension_list],
        help_text=_("Numbers the PBX's directory does not list, comma-separated."),
    )
    other_pbx = forms.TypedChoiceField(label=_("Their PBX"), required=False, coerce=int)

    def __init__(self, *args, pbxes=(), directory=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(pbxes)
        several = len(names) > 1

        def label(pbx_id, number, name):
            text = f"{number} · {name}" if name else number
            return f"{names.get(pbx_id, '')} · {text}" if several else text

        choices = [
            (_key(pbx_id, number), label(pbx_id, number, name))
            for pbx_id, number, name in directory
        ]
        listed = {key for key, _label in choices}
        for pbx_id, numbers in (current or {}).items():
            choices += [
                (_key(pbx_id, number), label(pbx_id, number, ""))
                for number in numbers
                if _key(pbx_id, number) not in listed
            ]
        self.fields["extensions"].choices = choices
        self.fields["other_pbx"].choices = list(pbxes)
        if not several:
            self.fields["other_pbx"].widget = forms.HiddenInput()
        if pbxes:
            self.fields["other_pbx"].initial = pbxes[0][0]
        self.initial.setdefault(
            "extensions",
            [
                _key(pbx_id, number)
                for pbx_id, numbers in (current or {}).items()
                for number in numbers
            ],
        )

    def clean(self):
        data = super().clean()
        chosen: dict[int, list[str]] = {}
        for key in data.get("extensions", []):
            pbx_id, _sep, number = key.partition(":")
            chosen.setdefault(int(pbx_id), []).append(number)
        others = split_extensions(data.get("other_extensions", ""))
        if others:
            pbx_id = data.get("other_pbx")
            if pbx_id in (None, ""):
                raise ValidationError(
                    _("There is no Kerio Operator connection to give these extensions on."),
                    code="no_pbx",
                )
            chosen.setdefault(pbx_id, []).extend(others)
        data["extension_map"] = chosen if data.get("role") == Role.OPERATOR else {}
        if data.get("role") == Role.OPERATOR and not chosen:
            raise ValidationError(
                _("An operator sees only their extensions' calls: choose at least one."),
                code="no_extensions",
            )
        return data


class NewUserForm(RoleAndExtensionsForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    field_order = ["username", "name", "role", "extensions", "other_extensions", "other_pbx"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        user_model.username_validator(username)
        if user_model.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                _("A user with the name “%(name)s” already exists."),
                code="taken",
                params={"name": username},
            )
        return username

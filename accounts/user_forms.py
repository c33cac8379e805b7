"""The forms of Settings → Users: a new user, and an existing user's role and extensions.

Extensions are picked from the PBX's directory (with the people's names); numbers an operator
already has that the directory no longer lists stay selectable, so saving loses none.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_extension_list
from accounts.roles import Role

ROLE_CHOICES = [
    (int(Role.ADMINISTRATOR), _("Administrator")),
    (int(Role.SUPERVISOR), _("Supervisor")),
    (int(Role.OPERATOR), _("Operator")),
]


class RoleAndExtensionsForm(forms.Form):
    """A role, and for an operator, the extensions they answer.

    `directory` is a list of (number, name) pairs: the people's lines the PBX lists."""

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

    def __init__(self, *args, directory=(), current=(), **kwargs):
        super().__init__(*args, **kwargs)
        listed = dict(directory)
        choices = [(number, f"{number} · {name}" if name else number) for number, name in directory]
        choices += [(number, number) for number in current if number not in listed]
        self.fields["extensions"].choices = choices

    def clean(self):
        data = super().clean()
        others = [n.strip() for n in data.get("other_extensions", "").replace(" ", ",").split(",")]
        numbers = [*data.get("extensions", []), *(n for n in others if n)]
        data["extension_list"] = list(dict.fromkeys(numbers))
        if data.get("role") == Role.OPERATOR and not data["extension_list"]:
            raise ValidationError(
                _("An operator sees only their extensions' calls: choose at least one."),
                code="no_extensions",
            )
        if data.get("role") != Role.OPERATOR:
            data["extension_list"] = []
        return data


class NewUserForm(RoleAndExtensionsForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    field_order = ["username", "name", "role", "extensions", "other_extensions"]

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

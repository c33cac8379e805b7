"""Permissions in the reader's language.

Django stores a permission's name once, in English, when it creates it ("Can add call"); the
admin's permission pickers word the four standard ones from their codename and model instead.
"""

from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "add": _("Adding: %(model)s"),
    "change": _("Changing: %(model)s"),
    "delete": _("Deleting: %(model)s"),
    "view": _("Viewing: %(model)s"),
}


def permission_label(permission: Permission) -> str:
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action in ACTIONS and model is not None and model_name == model._meta.model_name:
        name = ACTIONS[action] % {"model": model._meta.verbose_name}
    else:
        name = permission.name
    return f"{permission.content_type} | {name}"


class PermissionsInReadersLanguage:
    """Admin mixin: every permission picker of the model shows ``permission_label``."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field

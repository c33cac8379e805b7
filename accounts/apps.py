from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_administrators_everything(sender, **kwargs):
    """The Administrator group holds every permission, including new ones after an upgrade."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name="Administrator").first()
    if group is not None:
        group.permissions.set(Permission.objects.all())


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and audit")

    def ready(self):
        from accounts import audit

        audit.track_users()
        post_migrate.connect(_grant_administrators_everything, dispatch_uid="grant-administrators")

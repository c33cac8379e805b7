import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def demo_admin_file():
    return settings.VAR_DIR / "demo_admin"


class Command(BaseCommand):
    help = gettext_lazy(
        "Create a demo administrator when there is no user yet, and print its login once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--username", default="admin", help=gettext_lazy("The administrator's user name.")
        )

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.exists():
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        # `make run` shows it again once the server is up (start_banner), until it is changed.
        login_file = demo_admin_file()
        login_file.write_text(f"{username}\n{password}\n")
        login_file.chmod(0o600)
        bar = "=" * 60
        login, secret = _("login:"), _("password:")
        width = max(len(login), len(secret))
        self.stdout.write(
            self.style.SUCCESS(
                f"\n{bar}\n{_('Demo administrator created — shown only this once:')}\n"
                f"  {login.ljust(width)} {username}\n  {secret.ljust(width)} {password}\n"
                f"{_('Change it after you sign in.')}\n{bar}\n"
            )
        )

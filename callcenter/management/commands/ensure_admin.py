import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


def demo_admin_file():
    return settings.VAR_DIR / "demo_admin"


class Command(BaseCommand):
    help = "Create a demo administrator when there is no user yet, and print its login once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

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
        self.stdout.write(
            self.style.SUCCESS(
                f"\n{bar}\nDemo administrator created — shown only this once:\n"
                f"  login:    {username}\n  password: {password}\n"
                f"Change it after you sign in.\n{bar}\n"
            )
        )

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


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
        bar = "=" * 60
        self.stdout.write(
            self.style.SUCCESS(
                f"\n{bar}\nDemo administrator created — shown only this once:\n"
                f"  login:    {username}\n  password: {password}\n"
                f"Change it after you sign in.\n{bar}\n"
            )
        )

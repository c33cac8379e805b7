import signal
import time
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from callcenter.management.commands.ensure_admin import demo_admin_file


def demo_login() -> tuple[str, str] | None:
    """The demo administrator's login while its generated password still works."""
    try:
        username, password = demo_admin_file().read_text().split("\n")[:2]
    except (OSError, ValueError):
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not user.check_password(password):
        return None
    return username, password


class Command(BaseCommand):
    help = gettext_lazy(
        "For `make run`: once the web server answers, print where to open it and the demo "
        "administrator's login, last, below the start-up output; then wait to be stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=8000, help=gettext_lazy("The web server's port.")
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=60.0,
            help=gettext_lazy("Seconds to wait for the web server."),
        )

    def handle(self, *args, port, wait, **options):
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not _answers(url + "accounts/login/"):
            time.sleep(0.5)
        time.sleep(2)  # let the worker's start-up lines go by first
        bar = "=" * 60
        lines = [bar, _("Open %(url)s") % {"url": url}]
        login = demo_login()
        if login:
            lines += [
                "  " + _("login:") + f" {login[0]}",
                "  " + _("password:") + f" {login[1]}",
                _("Change the password after you sign in."),
            ]
        lines += [_("Ctrl-C stops everything."), bar]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        self.stdout.flush()
        # Stay up (a process that ends stops `make run`) until Ctrl-C or honcho's SIGTERM.
        signal.signal(signal.SIGTERM, lambda *_: None)
        signal.signal(signal.SIGINT, lambda *_: None)
        signal.pause()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
            return True
    except (urllib.error.URLError, OSError):
        return False

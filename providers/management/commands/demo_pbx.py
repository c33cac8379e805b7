import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from providers.models import PbxConnection
from providers.services import save_pbx_connection

DEMO_NAME = "Demo PBX"


class Command(BaseCommand):
    help = gettext_lazy(
        "When no real PBX is configured, point a “Demo PBX” connection at the built-in "
        "simulator. Writes the list of processes `make run` must start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--processes-file",
            required=True,
            metavar="PATH",
            help=gettext_lazy("Write the names of the processes to start to this file."),
        )
        parser.add_argument(
            "--port",
            type=int,
            default=4021,
            help=gettext_lazy("The simulator's port (default 4021)."),
        )

    def handle(self, *args, processes_file, port, **options):
        processes = ["web", "worker"]
        if PbxConnection.objects.filter(is_demo=False).exists():
            PbxConnection.objects.filter(is_demo=True).update(enabled=False)
            self.stdout.write(_("A real PBX is configured: the demo PBX is not started."))
        else:
            processes.append("demopbx")
            password_file = settings.VAR_DIR / "demo_pbx_password"
            if not password_file.exists():
                password_file.write_text(secrets.token_urlsafe(16))
                password_file.chmod(0o600)
            sim_dir = settings.VAR_DIR / "simulator"
            save_pbx_connection(
                DEMO_NAME,
                password=password_file.read_text().strip(),
                host="127.0.0.1",
                port=port,
                username="admin",
                use_tls=True,
                verify_tls=True,
                ca_file=str(sim_dir / "ca.pem"),
                enabled=True,
                is_demo=True,
            )
            self.stdout.write(
                _("Demo PBX: the Kerio Operator simulator on %(url)s")
                % {"url": f"https://127.0.0.1:{port}"}
            )
        Path(processes_file).write_text(" ".join(processes) + "\n")

import os
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from providers.kerio.simulator import KerioSimulator, SimulatorConfig


class Command(BaseCommand):
    help = gettext_lazy(
        "Run a simulated Kerio Operator (a demo PBX with made-up calls) until Ctrl-C."
    )

    def add_arguments(self, parser):
        defaults = SimulatorConfig()
        add = parser.add_argument
        add("--host", default=defaults.host, help=gettext_lazy("Address to listen on."))
        add("--port", type=int, default=4021, help=gettext_lazy("Port to listen on (0: any free)."))
        add("--no-tls", action="store_true", help=gettext_lazy("Serve plain HTTP."))
        add("--username", default=defaults.username, help=gettext_lazy("The API user name."))
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument(
            "--password-env", metavar="VAR", help=gettext_lazy("Read the password from $VAR.")
        )
        secret.add_argument(
            "--password-file", metavar="PATH", help=gettext_lazy("Read the password from a file.")
        )
        add(
            "--history-size",
            type=int,
            default=defaults.history_size,
            help=gettext_lazy("Calls in the made-up history."),
        )
        add(
            "--days",
            type=int,
            default=defaults.days,
            help=gettext_lazy("Days the history spreads over."),
        )
        add("--rate", type=float, default=defaults.rate, help=gettext_lazy("New calls a minute."))
        add(
            "--page-cap",
            type=int,
            default=defaults.page_cap,
            help=gettext_lazy("Most records one history page returns."),
        )
        add(
            "--seed",
            type=int,
            default=defaults.seed,
            help=gettext_lazy("Random seed: the same seed makes the same calls."),
        )
        add("--cert-dir", help=gettext_lazy("Default: var/simulator/ under the project."))
        add("--with-ids", action="store_true", help=gettext_lazy("Give history records an ID."))
        add(
            "--inbound-line",
            choices=["none", "field", "called"],
            default="field",
            help=gettext_lazy(
                "How inbound records name the company line dialled: none, a DID field, "
                "or the called number."
            ),
        )
        add(
            "--queue-records",
            choices=["call", "legs"],
            default="",
            help=gettext_lazy(
                "Make the calls to the call queue and the IVR wait, get answered or be "
                "abandoned as such calls do, written one record per call or one per leg."
            ),
        )

    def handle(self, *args, **options):
        config = SimulatorConfig(
            host=options["host"],
            port=options["port"],
            tls=not options["no_tls"],
            cert_dir=options["cert_dir"] or self._default_cert_dir(),
            username=options["username"],
            password=self._password(options),
            history_size=options["history_size"],
            days=options["days"],
            rate=options["rate"],
            page_cap=options["page_cap"],
            seed=options["seed"],
            with_ids=options["with_ids"],
            inbound_line="" if options["inbound_line"] == "none" else options["inbound_line"],
            queue_records=options["queue_records"],
        )
        simulator = KerioSimulator(config)
        try:
            simulator.start()
        except OSError as exc:
            raise CommandError(
                _("Cannot listen on %(address)s: %(error)s")
                % {"address": f"{config.host}:{config.port}", "error": exc}
            ) from exc
        self.stdout.write(
            self.style.WARNING(_("DEMO PBX - a simulated Kerio Operator with made-up calls."))
        )
        lines = [
            (_("URL:"), f"{simulator.url}/admin/api/jsonrpc/"),
            (_("CA file:"), simulator.ca_file),
            (_("User name:"), config.username),
            (_("Password:"), self._shown_password(options, config.password)),
            (_("History:"), _("%(count)s calls") % {"count": config.history_size}),
            (_("New calls:"), _("%(rate)s a minute") % {"rate": config.rate}),
        ]
        width = max(len(label) for label, _value in lines)
        for label, value in lines:
            if value:
                self.stdout.write(f"  {label.ljust(width)} {value}")
        self.stdout.write(_("Press Ctrl-C to stop."))
        try:
            self.wait_until_stopped()
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()
            self.stdout.write(_("Demo PBX stopped."))

    @staticmethod
    def wait_until_stopped() -> None:
        """Block until Ctrl-C (KeyboardInterrupt) or SIGTERM."""
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()

    @staticmethod
    def _default_cert_dir() -> Path:
        var_dir = getattr(settings, "VAR_DIR", None) or Path(settings.BASE_DIR) / "var"
        path = Path(var_dir) / "simulator"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def _shown_password(options, password: str) -> str:
        """The demo password is printed; one given through a file or variable stays there."""
        if options["password_env"]:
            return _("(from %(source)s)") % {"source": f"${options['password_env']}"}
        if options["password_file"]:
            return _("(from %(source)s)") % {"source": options["password_file"]}
        return password

    @staticmethod
    def _password(options) -> str:
        if options["password_env"]:
            value = os.environ.get(options["password_env"], "")
            if not value:
                raise CommandError(
                    _("%(variable)s is empty or not set.")
                    % {"variable": f"${options['password_env']}"}
                )
            return value
        if options["password_file"]:
            try:
                value = Path(options["password_file"]).read_text().strip()
            except OSError as exc:
                raise CommandError(
                    _("Cannot read the password file: %(error)s") % {"error": exc}
                ) from exc
            if not value:
                raise CommandError(_("The password file is empty."))
            return value
        return SimulatorConfig().password

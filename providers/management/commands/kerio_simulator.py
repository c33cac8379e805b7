import os
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from providers.kerio.simulator import KerioSimulator, SimulatorConfig


class Command(BaseCommand):
    help = "Run a simulated Kerio Operator (a demo PBX with made-up calls) until Ctrl-C."

    def add_arguments(self, parser):
        defaults = SimulatorConfig()
        parser.add_argument("--host", default=defaults.host)
        parser.add_argument("--port", type=int, default=4021)
        parser.add_argument("--no-tls", action="store_true", help="serve plain HTTP")
        parser.add_argument("--username", default=defaults.username)
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--password-env", metavar="VAR", help="read the password from $VAR")
        secret.add_argument("--password-file", metavar="PATH", help="read the password from a file")
        parser.add_argument("--history-size", type=int, default=defaults.history_size)
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--rate", type=float, default=defaults.rate, help="new calls a minute")
        parser.add_argument("--page-cap", type=int, default=defaults.page_cap)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--cert-dir", help="default: var/simulator/ under the project")
        parser.add_argument("--with-ids", action="store_true", help="give history records an ID")

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
        )
        simulator = KerioSimulator(config)
        try:
            simulator.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {config.host}:{config.port}: {exc}") from exc
        self.stdout.write(
            self.style.WARNING("DEMO PBX - a simulated Kerio Operator with made-up calls.")
        )
        self.stdout.write(f"  URL:       {simulator.url}/admin/api/jsonrpc/")
        if simulator.ca_file:
            self.stdout.write(f"  CA file:   {simulator.ca_file}")
        self.stdout.write(f"  User name: {config.username}")
        self.stdout.write(f"  Password:  {self._shown_password(options, config.password)}")
        self.stdout.write(f"  History:   {config.history_size} calls")
        self.stdout.write(f"  New calls: {config.rate} a minute")
        self.stdout.write("Press Ctrl-C to stop.")
        try:
            self.wait_until_stopped()
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()
            self.stdout.write("Demo PBX stopped.")

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
            return f"(from ${options['password_env']})"
        if options["password_file"]:
            return f"(from {options['password_file']})"
        return password

    @staticmethod
    def _password(options) -> str:
        if options["password_env"]:
            value = os.environ.get(options["password_env"], "")
            if not value:
                raise CommandError(f"${options['password_env']} is empty or not set.")
            return value
        if options["password_file"]:
            try:
                value = Path(options["password_file"]).read_text().strip()
            except OSError as exc:
                raise CommandError(f"Cannot read the password file: {exc}") from exc
            if not value:
                raise CommandError("The password file is empty.")
            return value
        return SimulatorConfig().password

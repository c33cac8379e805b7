import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from providers.kerio.tls import format_fingerprint, normalize_fingerprint
from providers.models import PbxConnection
from providers.services import save_pbx_connection


class Command(BaseCommand):
    help = gettext_lazy(
        "Create or update a Kerio Operator connection. The password is read from an environment "
        "variable or standard input, never from the command line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help=gettext_lazy("The connection's name."))
        parser.add_argument(
            "--host", required=True, help=gettext_lazy("Host name or IP address of the PBX.")
        )
        parser.add_argument(
            "--port", type=int, help=gettext_lazy("Administration port (default 4021).")
        )
        parser.add_argument(
            "--username", required=True, help=gettext_lazy("Administrator user name.")
        )
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument(
            "--password-env",
            metavar="VAR",
            help=gettext_lazy("Read the password from this variable."),
        )
        secret.add_argument(
            "--password-stdin",
            action="store_true",
            help=gettext_lazy("Read the password from stdin."),
        )
        tls = parser.add_mutually_exclusive_group()
        tls.add_argument(
            "--no-verify-tls",
            action="store_true",
            help=gettext_lazy(
                "Do not verify the PBX's certificate (only for a known self-signed one)."
            ),
        )
        tls.add_argument(
            "--ca-file", metavar="PATH", help=gettext_lazy("CA certificate (PEM) to verify it.")
        )
        tls.add_argument(
            "--tls-fingerprint",
            metavar="HEX",
            help=gettext_lazy(
                "Trust exactly the certificate with this SHA-256 fingerprint (colons optional), "
                "as “Trust this certificate” does."
            ),
        )
        parser.add_argument(
            "--timestamps-timezone",
            metavar="NAME",
            help=gettext_lazy(
                "Time zone of the PBX's timestamps: UTC (default) or a name such as Asia/Tashkent."
            ),
        )
        parser.add_argument("--no-tls", action="store_true", help=gettext_lazy("Use plain HTTP."))
        parser.add_argument(
            "--disable", action="store_true", help=gettext_lazy("Save it disabled.")
        )

    def handle(self, *args, **options):
        name = options["name"]
        exists = PbxConnection.objects.filter(name=name).exists()
        password = self._password(options, required=not exists)
        fields = {
            "host": options["host"].strip(),
            "username": options["username"],
            "use_tls": not options["no_tls"],
            "enabled": not options["disable"],
        }
        if options["port"] is not None or not exists:
            fields["port"] = options["port"] if options["port"] is not None else 4021
        if options["timestamps_timezone"]:
            fields["timestamps_timezone"] = options["timestamps_timezone"].strip()
        if options["tls_fingerprint"]:
            try:
                fingerprint = normalize_fingerprint(options["tls_fingerprint"])
            except ValueError:
                raise CommandError(
                    _("A SHA-256 fingerprint is 64 hexadecimal digits (colons are optional).")
                ) from None
            fields.update(verify_tls=True, tls_fingerprint=format_fingerprint(fingerprint))
        elif options["no_verify_tls"]:
            fields.update(verify_tls=False, ca_file="", tls_fingerprint="")
        elif options["ca_file"]:
            fields.update(verify_tls=True, ca_file=options["ca_file"], tls_fingerprint="")
        elif not exists:
            fields.update(verify_tls=True, ca_file="")
        if fields.get("ca_file") and not os.path.isfile(fields["ca_file"]):
            raise CommandError(
                _("The CA file %(path)s does not exist.") % {"path": fields["ca_file"]}
            )
        try:
            connection = save_pbx_connection(name, password=password, **fields)
        except ValidationError as exc:
            raise CommandError(self._plain(exc)) from None
        if exists:
            self.stdout.write(self.style.SUCCESS(_("Updated the PBX “%(name)s”.") % {"name": name}))
        else:
            self.stdout.write(self.style.SUCCESS(_("Created the PBX “%(name)s”.") % {"name": name}))
        self.stdout.write(
            _("It is reached at %(url)s as %(user)s.")
            % {"url": connection.connection_settings().base_url, "user": connection.username}
        )

    def _password(self, options, *, required: bool) -> str | None:
        if options["password_env"]:
            value = os.environ.get(options["password_env"])
            if not value:
                raise CommandError(
                    _("The environment variable %(var)s is not set or empty.")
                    % {"var": options["password_env"]}
                )
            return value
        if options["password_stdin"]:
            value = sys.stdin.readline().rstrip("\r\n")
            if not value:
                raise CommandError(_("No password was given on standard input."))
            return value
        if required:
            raise CommandError(
                _("A new connection needs a password: give --password-env VAR or --password-stdin.")
            )
        return None

    @staticmethod
    def _plain(error: ValidationError) -> str:
        if hasattr(error, "message_dict"):
            fields = PbxConnection._meta
            lines = []
            for field, messages in error.message_dict.items():
                label = str(fields.get_field(field).verbose_name) if field != "__all__" else ""
                for message in messages:
                    lines.append(f"{label}: {message}" if label else message)
            return "\n".join(lines)
        return " ".join(error.messages)

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.diagnostics import as_json, diagnostics
from providers.models import PbxConnection


class Command(BaseCommand):
    help = gettext_lazy(
        "Ask a Kerio Operator every method the product uses and write one JSON file for "
        "support: the answers with their field types, the certificate, the clock offset and "
        "how the product reads each record. Never a password or a token."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pbx", metavar="NAME", required=True, help=_("The connection's name.")
        )
        parser.add_argument(
            "--out", metavar="FILE", help=_("Write to this file (default: standard output).")
        )
        parser.add_argument(
            "--mask-numbers",
            action="store_true",
            help=_("Show phone numbers as x's but their last two digits."),
        )

    def handle(self, *args, pbx, out, mask_numbers, **options):
        connection = PbxConnection.objects.filter(name=pbx).first()
        if connection is None:
            raise CommandError(_("There is no PBX called “%(name)s”.") % {"name": pbx})
        text = as_json(diagnostics(connection, mask_phone_numbers=mask_numbers))
        if out:
            with open(out, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(_("Written to %(path)s.") % {"path": out})
        else:
            self.stdout.write(text)

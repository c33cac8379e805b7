import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from monitoring.periods import day_start
from monitoring.rollups import maintenance
from providers.models import PbxConnection


class Command(BaseCommand):
    help = gettext_lazy(
        "Count the hourly rollup of the calls again from the stored calls (the result equals "
        "what the syncs kept up call by call)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pbx", type=int, default=None, metavar="ID", help=gettext_lazy("Only this PBX.")
        )
        parser.add_argument(
            "--since",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help=gettext_lazy("Only the hours from this local day on."),
        )

    def handle(self, *args, pbx, since, **options):
        if pbx is not None and not PbxConnection.objects.filter(pk=pbx).exists():
            raise CommandError(_("No PBX with ID %(id)s.") % {"id": pbx})
        rows = maintenance.rebuild(pbx_id=pbx, since=day_start(since) if since else None)
        done = ngettext(
            "Hourly rollup rebuilt: %(count)s row.",
            "Hourly rollup rebuilt: %(count)s rows.",
            rows,
        )
        self.stdout.write(self.style.SUCCESS(done % {"count": rows}))

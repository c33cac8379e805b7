import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.export import iter_csv, iter_jsonl
from monitoring.export_xlsx import write_xlsx
from monitoring.management.commands.sync_kerio import local_date
from monitoring.models import Call
from monitoring.periods import day_start
from providers.models import PbxConnection


class Command(BaseCommand):
    help = gettext_lazy(
        "Write calls to standard output as CSV or JSON Lines, or to a file as XLSX "
        "(dates are local days)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pbx", metavar="NAME", help=gettext_lazy("Only this PBX's calls."))
        parser.add_argument(
            "--since", metavar="YYYY-MM-DD", help=gettext_lazy("From this local day on.")
        )
        parser.add_argument(
            "--until", metavar="YYYY-MM-DD", help=gettext_lazy("Up to this local day, included.")
        )
        parser.add_argument(
            "--format",
            choices=["csv", "jsonl", "xlsx"],
            default="csv",
            help=gettext_lazy("CSV (the default), JSON Lines, or XLSX (needs --output)."),
        )
        parser.add_argument(
            "--output", metavar="FILE", help=gettext_lazy("The XLSX file to write.")
        )

    def handle(self, *args, pbx=None, since=None, until=None, format="csv", output=None, **options):
        if format == "xlsx" and not output:
            raise CommandError(_("An XLSX export needs --output FILE."))
        calls = Call.objects.order_by("started_at", "id")
        if pbx:
            if not PbxConnection.objects.filter(name=pbx).exists():
                raise CommandError(_("There is no PBX called “%(name)s”.") % {"name": pbx})
            calls = calls.filter(pbx__name=pbx)
        first = local_date(since) if since else None
        last = local_date(until) if until else None
        if first and last and first > last:
            raise CommandError(_("--since is after --until."))
        if first:
            calls = calls.filter(started_at__gte=day_start(first))
        if last:
            calls = calls.filter(started_at__lt=day_start(last + dt.timedelta(days=1)))
        if format == "xlsx":
            rows = write_xlsx(calls, output)
            self.stderr.write(
                _("%(rows)d calls written to %(file)s.") % {"rows": rows, "file": output}
            )
            return
        chunks = (
            iter_csv(calls, bom=False, for_excel=False) if format == "csv" else iter_jsonl(calls)
        )
        for chunk in chunks:
            self.stdout.write(chunk, ending="")

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.retention import purge_calls, retention_cutoff


class Command(BaseCommand):
    help = gettext_lazy(
        "Delete calls older than N months (CALL_RETENTION_MONTHS by default), in batches."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-months",
            type=int,
            default=None,
            metavar="N",
            help=gettext_lazy(
                "Delete calls that started more than N months ago (default: CALL_RETENTION_MONTHS)."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help=gettext_lazy("Delete this many calls per transaction (default: 5000)."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Count only; delete nothing.")
        )

    def handle(self, *args, older_than_months, batch_size, dry_run, **options):
        months = (
            older_than_months if older_than_months is not None else settings.CALL_RETENTION_MONTHS
        )
        if months is None or months <= 0:
            if older_than_months is not None:
                raise CommandError(_("--older-than-months must be 1 or more."))
            self.stdout.write(_("Retention is off (CALL_RETENTION_MONTHS=0): nothing deleted."))
            return
        if batch_size < 1:
            raise CommandError(_("--batch-size must be 1 or more."))
        cutoff = retention_cutoff(months)
        words = {"time": timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M")}
        count = purge_calls(
            cutoff,
            batch_size=batch_size,
            dry_run=dry_run,
            progress=lambda n: self.stdout.write(_("  deleted %(count)d…") % {"count": n}),
        )
        words["count"] = count
        if dry_run:
            self.stdout.write(
                _("Dry run: %(count)d call(s) started before %(time)s would be deleted.") % words
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Deleted %(count)d call(s) started before %(time)s.") % words)
            )

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitoring.retention import purge_calls, retention_cutoff


class Command(BaseCommand):
    help = "Delete calls older than N months (CALL_RETENTION_MONTHS by default), in batches."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-months", type=int, default=None)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--dry-run", action="store_true", help="Count only; delete nothing.")

    def handle(self, *args, older_than_months, batch_size, dry_run, **options):
        months = (
            older_than_months if older_than_months is not None else settings.CALL_RETENTION_MONTHS
        )
        if months is None or months <= 0:
            if older_than_months is not None:
                raise CommandError("--older-than-months must be 1 or more.")
            self.stdout.write("Retention is off (CALL_RETENTION_MONTHS=0): nothing deleted.")
            return
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        cutoff = retention_cutoff(months)
        local = timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M")
        count = purge_calls(
            cutoff,
            batch_size=batch_size,
            dry_run=dry_run,
            progress=lambda n: self.stdout.write(f"  deleted {n}…"),
        )
        if dry_run:
            self.stdout.write(f"Dry run: {count} call(s) started before {local} would be deleted.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Deleted {count} call(s) started before {local}.")
            )

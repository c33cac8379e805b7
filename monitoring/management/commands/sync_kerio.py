import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import SyncRun
from monitoring.periods import day_start
from monitoring.sync import SyncAlreadyRunning, SyncFailed, sync_pbx
from providers.models import PbxConnection


def local_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = gettext_lazy(
        "Read the call history of the Kerio Operator PBX(es) into the database: incremental "
        "by default, the same sync the schedule runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pbx", metavar="NAME", help=gettext_lazy("Only this PBX (default: all enabled).")
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help=gettext_lazy("Read the whole history, not only the recent part."),
        )
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            help=gettext_lazy(
                "Read back to the start of this local day (with --full: instead of everything)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy("Read and count, but write nothing."),
        )

    def handle(self, *args, pbx=None, full=False, since=None, dry_run=False, **options):
        self.verbosity = options.get("verbosity", 1)
        since_at = day_start(local_date(since)) if since else None
        if pbx:
            connections = list(PbxConnection.objects.filter(name=pbx))
            if not connections:
                raise CommandError(_("There is no PBX called “%(name)s”.") % {"name": pbx})
        else:
            connections = list(PbxConnection.objects.filter(enabled=True))
            if not connections:
                raise CommandError(_("No enabled PBX is configured; add one with kerio_setup."))
        failures = []
        for connection in connections:
            try:
                self._sync(connection, full=full, since=since_at, dry_run=dry_run)
            except (SyncAlreadyRunning, SyncFailed) as exc:
                message = _("%(pbx)s: %(reason)s") % {"pbx": connection, "reason": exc.user_message}
                self.stderr.write(message)
                failures.append(message)
        if failures:
            raise CommandError(
                _("The sync failed for %(count)d PBX(es).") % {"count": len(failures)}
                if len(failures) > 1
                else failures[0]
            )

    def _sync(self, connection, *, full, since, dry_run):
        began = time.monotonic()
        verbosity = self.verbosity

        def progress(run):
            if verbosity >= 1:
                elapsed = max(time.monotonic() - began, 0.001)
                self.stdout.write(
                    _("%(pbx)s: page %(pages)d, %(records)d records (%(rate).0f/s)")
                    % {
                        "pbx": connection,
                        "pages": run.pages,
                        "records": run.fetched,
                        "rate": run.fetched / elapsed,
                    }
                )

        self.stdout.write(
            _("%(pbx)s: sync started%(dry)s")
            % {"pbx": connection, "dry": _(" (dry run: nothing is written)") if dry_run else ""}
        )
        run = sync_pbx(
            connection,
            trigger=SyncRun.Trigger.COMMAND,
            full=full,
            since=since,
            dry_run=dry_run,
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(pbx)s: done in %(seconds).1f s: %(fetched)d fetched, %(created)d new, "
                    "%(updated)d updated, %(rejected)d rejected, %(pages)d pages."
                )
                % {
                    "pbx": connection,
                    "seconds": time.monotonic() - began,
                    "fetched": run.fetched,
                    "created": run.created,
                    "updated": run.updated,
                    "rejected": run.rejected,
                    "pages": run.pages,
                }
            )
        )

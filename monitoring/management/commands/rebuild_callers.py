from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy

from monitoring.analytics import inbound_index


class Command(BaseCommand):
    help = gettext_lazy(
        "Index every stored inbound call again for the callers page (the result equals what the "
        "syncs, the retention and the PBX removals made of them one by one)."
    )

    def handle(self, *args, **options):
        rows = inbound_index.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Inbound calls indexed: {rows}."))

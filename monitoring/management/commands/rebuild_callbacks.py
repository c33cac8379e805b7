from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy

from monitoring.callbacks import derive


class Command(BaseCommand):
    help = gettext_lazy(
        "Derive every callback again from the stored calls and people's actions (the result equals "
        "what the syncs made of them one by one)."
    )

    def handle(self, *args, **options):
        changed = derive.rebuild(
            progress=lambda done, total: self.stdout.write(f"  {done} of {total} numbers…")
        )
        self.stdout.write(self.style.SUCCESS(f"Callbacks rebuilt: {changed} row(s) changed."))

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from monitoring.callbacks import derive


class Command(BaseCommand):
    help = gettext_lazy(
        "Derive every callback again from the stored calls and people's actions (the result equals "
        "what the syncs made of them one by one)."
    )

    def handle(self, *args, **options):
        changed = derive.rebuild(
            progress=lambda done, total: self.stdout.write(
                "  " + _("%(done)s of %(total)s numbers…") % {"done": done, "total": total}
            )
        )
        done = ngettext(
            "Callbacks rebuilt: %(count)s row changed.",
            "Callbacks rebuilt: %(count)s rows changed.",
            changed,
        )
        self.stdout.write(self.style.SUCCESS(done % {"count": changed}))

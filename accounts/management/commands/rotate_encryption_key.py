from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from encrypted_model_fields.fields import EncryptedMixin, decrypt_str


def encrypted_fields():
    """Every encrypted field of every installed model, as (model, field)."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedMixin)
    ]


class Command(BaseCommand):
    help = gettext_lazy(
        "Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEY. "
        "Rotate by setting FIELD_ENCRYPTION_KEY=NEW,OLD, running this, then removing OLD."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Check only; change nothing.")
        )

    def handle(self, *args, dry_run, **options):
        total = 0
        with transaction.atomic():
            for model, field in encrypted_fields():
                table = connection.ops.quote_name(model._meta.db_table)
                pk = connection.ops.quote_name(model._meta.pk.column)
                column = connection.ops.quote_name(field.column)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT {pk}, {column} FROM {table}")  # noqa: S608
                    rows = cursor.fetchall()
                for pk_value, stored in rows:
                    if not stored:
                        continue
                    try:
                        plain = decrypt_str(stored)
                    except InvalidToken as exc:
                        raise CommandError(
                            _(
                                "%(model)s #%(pk)s: no configured key can decrypt it. Put the "
                                "key it was saved with into FIELD_ENCRYPTION_KEY."
                            )
                            % {"model": model._meta.verbose_name, "pk": pk_value}
                        ) from exc
                    if not dry_run:
                        model._default_manager.filter(pk=pk_value).update(**{field.name: plain})
                    total += 1
        if dry_run:
            done = _("Would re-encrypt %(count)d stored password(s).")
        else:
            done = _("Re-encrypted %(count)d stored password(s).")
        self.stdout.write(self.style.SUCCESS(done % {"count": total}))

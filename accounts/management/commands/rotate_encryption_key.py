from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from encrypted_model_fields.fields import decrypt_str

from providers.models import PbxConnection, SipTrunk

ENCRYPTED = ((PbxConnection, "password"), (SipTrunk, "password"))


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEY. "
        "Rotate by setting FIELD_ENCRYPTION_KEY=NEW,OLD, running this, then removing OLD."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Check only; change nothing.")

    def handle(self, *args, dry_run, **options):
        total = 0
        with transaction.atomic():
            for model, field in ENCRYPTED:
                table = connection.ops.quote_name(model._meta.db_table)
                column = connection.ops.quote_name(model._meta.get_field(field).column)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT id, {column} FROM {table}")  # noqa: S608
                    rows = cursor.fetchall()
                for pk, stored in rows:
                    try:
                        plain = decrypt_str(stored)
                    except InvalidToken as exc:
                        raise CommandError(
                            f"{model._meta.verbose_name} #{pk}: no configured key can decrypt it. "
                            "Put the key it was saved with into FIELD_ENCRYPTION_KEY."
                        ) from exc
                    if not dry_run:
                        model.objects.filter(pk=pk).update(**{field: plain})
                    total += 1
        verb = "Would re-encrypt" if dry_run else "Re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"{verb} {total} stored password(s)."))

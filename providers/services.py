"""Creating and updating PBX connections: one path for the web form, kerio_setup and the demo."""

from django.db import transaction

from providers.models import PbxConnection


@transaction.atomic
def save_pbx_connection(name: str, *, password: str | None = None, **fields) -> PbxConnection:
    """Create the connection called `name`, or update it; a None password keeps the stored one."""
    connection = PbxConnection.objects.select_for_update().filter(name=name).first()
    if connection is None:
        connection = PbxConnection(name=name)
    for field, value in fields.items():
        setattr(connection, field, value)
    if password is not None:
        connection.password = password
    connection.full_clean()
    connection.save()
    return connection

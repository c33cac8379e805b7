"""Creating and updating PBX connections: one path for the web form, kerio_setup and the demo."""

from django.db import transaction

from providers.models import PbxConnection


@transaction.atomic
def save_pbx_connection(
    name: str, *, pk: int | None = None, password: str | None = None, **fields
) -> PbxConnection:
    """Create the connection called `name`, or update it; a None password keeps the stored one.

    With `pk`, that connection is updated and takes `name` (a rename), in one save that the
    audit log sees like any other change.
    """
    found = PbxConnection.objects.select_for_update()
    connection = (found.filter(pk=pk) if pk is not None else found.filter(name=name)).first()
    if connection is None:
        connection = PbxConnection(name=name)
    connection.name = name
    for field, value in fields.items():
        setattr(connection, field, value)
    if password is not None:
        connection.password = password
    connection.full_clean()
    connection.save()
    return connection

"""Creating and updating PBX connections: one path for the web form, kerio_setup and the demo."""

from django.db import transaction
from django.dispatch import Signal

from providers.models import PbxConnection
from providers.session_keeper import reset_session

# Changing one of these re-reads the stored calls' times (see monitoring's clock handling).
pbx_clock_changed = Signal()


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
    old_zone = connection.timestamps_timezone if connection.pk else None
    connection.name = name
    for field, value in fields.items():
        setattr(connection, field, value)
    if password is not None:
        connection.password = password
    connection.full_clean()
    connection.save()
    # New settings: the kept session and any pause of logins belonged to the old ones.
    reset_session(connection)
    if old_zone is not None and old_zone != connection.timestamps_timezone:
        pbx_clock_changed.send(sender=PbxConnection, pbx=connection, old_zone=old_zone)
    return connection

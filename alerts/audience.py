"""Who may receive an event: what each role may see in the product, it may be told about.

- Administrators and supervisors receive every event of a rule they are recipients of.
- An operator receives only events about calls and callbacks they would see: a call of their own
  PBX that involves one of their extensions (`accounts.roles.calls_visible_to`), a callback they
  own, or an unowned callback whose first missed call is such a call. Never the incidents (the
  system's health, the service level, inbound silence): those are for supervisors.
- A user without a role receives nothing.
"""

from dataclasses import dataclass

from accounts.roles import Role, calls_visible_to, role_of
from monitoring.models import Call


@dataclass(frozen=True)
class About:
    """The call or callback an event is about. `callback` with its `owner_id`: a callback someone
    else owns is theirs, not every operator's of the extension."""

    call_id: int | None = None
    callback: bool = False
    owner_id: int | None = None


def may_receive(user, about: About | None) -> bool:
    """Whether `user` may be told about the event (`about` None: an incident)."""
    role = role_of(user)
    if role >= Role.SUPERVISOR:
        return True
    if role != Role.OPERATOR or about is None:
        return False
    if about.callback and about.owner_id is not None:
        return about.owner_id == user.pk
    if about.call_id is None:
        return False
    return calls_visible_to(user, Call.objects.filter(pk=about.call_id)).exists()

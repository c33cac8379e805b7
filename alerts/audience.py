"""Who may receive an event: what each role may see in the product, it may be told about.

Decided in `alerts.outbox.enqueue` from the rule's kind and the event's params, so no rule can
forget it:

- Administrators and supervisors receive every event of a rule they are recipients of.
- An operator receives only events about calls and callbacks they would see: a call of their own
  PBX that involves one of their extensions (`accounts.roles.calls_visible_to`, the event's
  `call_id`), a callback they own (`owner_id`), or an unowned callback whose first missed call is
  such a call; and the digests, which count each recipient's own calls. Never the incidents (the
  system's health, the service level, inbound silence), nor anything not about a call.
- A user without a role receives nothing.
"""

from accounts.roles import Role, calls_visible_to, role_of
from alerts.models import Rule
from monitoring.models import Call

# For supervisors and administrators only.
INCIDENT_KINDS = frozenset(
    {Rule.Kind.UNHEALTHY, Rule.Kind.SERVICE_LEVEL, Rule.Kind.INBOUND_SILENCE}
)
# Written for each recipient over the calls they may see.
PERSONAL_KINDS = frozenset({Rule.Kind.DAILY_DIGEST, Rule.Kind.WEEKLY_DIGEST})
# Events about a callback: its owner decides before its first call does.
CALLBACK_EVENTS = frozenset({"callback_overdue"})


def may_receive(user, kind: str, event: str, params: dict) -> bool:
    """Whether `user` may be told about the event."""
    role = role_of(user)
    if role >= Role.SUPERVISOR:
        return True
    if role != Role.OPERATOR or kind in INCIDENT_KINDS:
        return False
    if kind in PERSONAL_KINDS:
        return True
    if event in CALLBACK_EVENTS and params.get("owner_id") is not None:
        return params["owner_id"] == user.pk
    call_id = params.get("call_id")
    if call_id is None:
        return False
    return calls_visible_to(user, Call.objects.filter(pk=call_id)).exists()

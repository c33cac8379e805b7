"""People's actions on a callback: claim it, assign it, record an outcome.

Each action is stored as a `CallbackAction` (the derivation's input), written to the audit log,
and re-derives the number's callbacks in the same transaction. A claim wins only through a
conditional UPDATE of an unowned open callback, under the number's lock: of two operators pressing
"I'll call back" at once, one gets it and the other is told who has it.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.roles import operator_extensions
from monitoring.callbacks import derive
from monitoring.models import Callback, CallbackAction, CallbackState


class CallbackActionError(Exception):
    """An action that cannot be done; the message is for the user."""


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _current(callback_id: int) -> Callback:
    try:
        return Callback.objects.select_related("owner").get(pk=callback_id)
    except Callback.DoesNotExist:
        raise CallbackActionError(_("This callback no longer exists.")) from None


def _refuse_closed(callback: Callback) -> None:
    if not callback.is_open:
        raise CallbackActionError(
            _("This callback is already closed: %(outcome)s.")
            % {"outcome": callback.get_resolution_display()}
        )


def _act(callback: Callback, user, kind, *, at, audit_action, changes, **fields) -> Callback:
    """Store the action, audit it, re-derive the number; returns the callback as derived."""
    # The operator's extension on the callback's PBX, for the per-extension figures.
    extensions = operator_extensions(user).get(callback.pbx_id) or []
    CallbackAction.objects.create(
        number=callback.number,
        at=at,
        kind=kind,
        user=user,
        extension=extensions[0] if extensions else "",
        **fields,
    )
    derive.refresh({callback.number: at})
    audit.record(audit_action, obj=callback, changes=changes, user=user)
    return _current(callback.pk)


def claim(callback: Callback, user) -> Callback:
    """Make `user` the owner of an open, unowned callback."""
    now = timezone.now()
    with transaction.atomic():
        derive.lock_number(callback.number)
        won = Callback.objects.filter(
            pk=callback.pk, state=CallbackState.OPEN, owner__isnull=True
        ).update(owner=user, claimed_at=now)
        if not won:
            current = _current(callback.pk)
            _refuse_closed(current)
            if current.owner_id == user.pk:
                return current
            raise CallbackActionError(
                _("%(owner)s has already taken this callback.")
                % {"owner": _display_name(current.owner)}
            )
        return _act(
            callback, user, CallbackAction.Kind.CLAIM, at=now, audit_action="claim",
            changes={"owner": [None, user.get_username()]},
        )  # fmt: skip


def assign(callback: Callback, user, assignee) -> Callback:
    """Give an open callback to `assignee` (None: to nobody), whoever has it now."""
    now = timezone.now()
    with transaction.atomic():
        derive.lock_number(callback.number)
        current = _current(callback.pk)
        _refuse_closed(current)
        before = current.owner.get_username() if current.owner else None
        return _act(
            current, user, CallbackAction.Kind.ASSIGN, at=now, audit_action="assign",
            assignee=assignee,
            changes={"owner": [before, assignee.get_username() if assignee else None]},
        )  # fmt: skip


def record_outcome(callback: Callback, user, outcome: str, note: str = "") -> Callback:
    """Record how a call to the customer went: "no answer" keeps the callback open (one more
    try), any other outcome closes it."""
    outcome = CallbackAction.Outcome(outcome)
    now = timezone.now()
    with transaction.atomic():
        derive.lock_number(callback.number)
        current = _current(callback.pk)
        _refuse_closed(current)
        return _act(
            current, user, CallbackAction.Kind.OUTCOME, at=now, audit_action="outcome",
            outcome=outcome, note=note[:255], changes={"outcome": outcome.value},
        )  # fmt: skip

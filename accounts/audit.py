"""The audit log: model changes are recorded through signals, actions through `record()`.

Each app registers the models it wants audited with `track()` (in its `AppConfig.ready()`), naming
their secret fields: a change to one is recorded as "changed", never with its values. The acting
user comes from the request (see `accounts.middleware.CurrentUserMiddleware`); changes made
outside a request (commands, the worker) are recorded without a user.
"""

from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

current_user: ContextVar = ContextVar("audit_current_user", default=None)

SECRET_CHANGED = "changed"  # noqa: S105 - a marker, not a password
# Fields that change on their own and say nothing about who changed what.
_IGNORED_FIELDS = {"last_login", "created_at", "updated_at", "date_joined"}


# Each audited model and the names of its secret fields.
_tracked: dict[type, frozenset[str]] = {}


def _fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in _IGNORED_FIELDS
    ]


def _value(instance, field):
    value = field.value_from_object(instance)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _snapshot(instance):
    return {field.attname: _value(instance, field) for field in _fields(type(instance))}


def record(action, *, obj=None, object_type="", message="", changes=None, user=None):
    """Write one audit entry; `obj` names the object, `user` defaults to the request's user."""
    from accounts.models import AuditEntry

    action = AuditEntry.Action(action)
    user = user if user is not None else current_user.get()
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEntry.objects.create(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        changes=changes or {},
        message=message,
    )


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(old) if old is not None else None


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from accounts.models import AuditEntry

    secrets = _tracked[sender]
    before = getattr(instance, "_audit_before", None) or {}
    after = _snapshot(instance)
    changes = {}
    for name, new in after.items():
        old = before.get(name)
        if not created and old == new:
            continue
        if created and new in (None, ""):
            continue
        changes[name] = SECRET_CHANGED if name in secrets else [old, new]
    if changes or created:
        action = AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE
        record(action, obj=instance, changes=changes)


def _after_delete(sender, instance, **kwargs):
    from accounts.models import AuditEntry

    record(AuditEntry.Action.DELETE, obj=instance)


def _groups_changed(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from django.contrib.auth.models import Group

    from accounts.models import AuditEntry

    names = sorted(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    keys = {"post_add": "groups added", "post_remove": "groups removed"}
    key = keys.get(action, "groups cleared")
    record(AuditEntry.Action.UPDATE, obj=instance, changes={key: names})


def track(model, secret_fields=()) -> None:
    """Record every creation, change and deletion of `model`; the values of `secret_fields` are
    never recorded, only that they changed."""
    _tracked[model] = frozenset(secret_fields)
    uid = f"audit-{model._meta.label}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=uid + "-pre")
    post_save.connect(_after_save, sender=model, dispatch_uid=uid + "-post")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + "-delete")


def track_users() -> None:
    """Audit the users (their password a secret), their operator profiles and their groups."""
    from accounts.models import OperatorProfile

    track(get_user_model(), secret_fields={"password"})
    track(OperatorProfile)
    m2m_changed.connect(
        _groups_changed, sender=get_user_model().groups.through, dispatch_uid="audit-user-groups"
    )

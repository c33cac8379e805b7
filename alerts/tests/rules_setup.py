"""What the rules' tests share: the rules run as the worker runs them (the Celery task, at a
chosen moment), and callbacks derived from stored calls."""

from django.utils import timezone

from alerts import tasks
from monitoring.callbacks import derive
from monitoring.models import CallbackAction
from monitoring.numbers import national_number
from monitoring.tests.callback_data import TASHKENT, WEDNESDAY, at, call, missed

__all__ = ["TASHKENT", "WEDNESDAY", "at", "call", "claim", "derive_all", "missed", "run_task"]


def run_task(monkeypatch, now) -> None:
    """The beat's tasks at `now`, run here: the rules (`evaluate_rules`, with the deliveries it
    starts), then the outbox's sweep (`deliver_due`, which sends what quiet hours held)."""
    monkeypatch.setattr(timezone, "now", lambda: now)
    monkeypatch.setattr(tasks.deliver_due, "delay", lambda: tasks.deliver_due.apply().get())
    monkeypatch.setattr(
        tasks.deliver_notification,
        "delay",
        lambda pk: tasks.deliver_notification.apply(args=[pk]).get(),
    )
    tasks.evaluate_rules.apply().get()
    tasks.deliver_due.apply().get()


def derive_all() -> None:
    """Every number's callbacks derived from its calls (as the sync does after storing them)."""
    derive.rebuild()


def claim(number: str, user, when) -> None:
    """`user` takes the number's open callback at `when`."""
    CallbackAction.objects.create(
        number=national_number(number), at=when, kind=CallbackAction.Kind.CLAIM, user=user
    )
    derive.refresh({national_number(number): when})

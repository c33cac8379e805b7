"""Celery tasks: thin. Rules queue notifications in the outbox; delivery sends them."""

import logging

from celery import shared_task

from alerts import linking, outbox, rules
from alerts.digests import due as digests

logger = logging.getLogger(__name__)


@shared_task(name="alerts.tasks.evaluate_rules", acks_late=True, soft_time_limit=50, time_limit=60)
def evaluate_rules() -> None:
    """Run the switched-on rules; send what they queued at once."""
    if rules.evaluate_all():
        deliver_due.delay()


@shared_task(name="alerts.tasks.send_digests", acks_late=True, soft_time_limit=50, time_limit=60)
def send_digests() -> None:
    """Queue the digests that are due (every minute); send them at once."""
    if digests.send_due():
        deliver_due.delay()


@shared_task(name="alerts.tasks.deliver_due", acks_late=True, soft_time_limit=240, time_limit=300)
def deliver_due() -> None:
    """Send every notification that is due (the sweep that also picks up retries and rows a
    dead worker left behind)."""
    for pk in outbox.due():
        deliver_notification.delay(pk)


@shared_task(
    name="alerts.tasks.deliver_notification",
    bind=True,
    acks_late=True,
    max_retries=None,
    soft_time_limit=60,
    time_limit=90,
)
def deliver_notification(self, pk: int) -> None:
    """Send one notification; after a temporary failure, try again later (backoff). A second
    copy of this task finds the row claimed or sent and does nothing."""
    outcome = outbox.deliver(pk)
    if outcome is not None and outcome.retry_in is not None:
        logger.info("Notification %s: next try in %s", pk, outcome.retry_in)
        raise self.retry(countdown=outcome.retry_in.total_seconds())


@shared_task(name="alerts.tasks.read_telegram", acks_late=True, soft_time_limit=25, time_limit=30)
def read_telegram() -> None:
    """Read the bots' new messages (link codes) and button presses."""
    linking.read_all_updates()

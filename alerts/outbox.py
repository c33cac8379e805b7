"""The outbox: notifications are written to the database first, then delivered by the worker.

Safe to run twice: an event is queued once per channel and address (a unique constraint), and a
row is sent only by the worker whose conditional update claimed it, so a retried task, a restarted
worker or two workers never send it twice. A claim that outlives its worker expires and is taken
over. A temporary failure puts the row back with a growing delay (backoff); nothing is lost.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alerts import buttons, messages
from alerts.audience import may_receive
from alerts.channels import DeliveryError, email, telegram, webhook
from alerts.digests import figures as digest_figures
from alerts.digests import render as digest_render
from alerts.digests import schedule as digest_schedule
from alerts.models import Channel, Language, Notification, Recipient, Rule

logger = logging.getLogger(__name__)

# How long a worker owns a row it claimed: longer than one delivery's timeouts.
CLAIM = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min… at most an hour between tries."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _local_minutes(moment: datetime) -> int:
    local = timezone.localtime(moment)
    return local.hour * 60 + local.minute


def quiet_until(rule: Rule | None, now: datetime) -> datetime | None:
    """When the rule's quiet hours end, if `now` is inside them."""
    if rule is None or rule.quiet_start is None or rule.quiet_end is None:
        return None
    start = rule.quiet_start.hour * 60 + rule.quiet_start.minute
    end = rule.quiet_end.hour * 60 + rule.quiet_end.minute
    minute = _local_minutes(now)
    inside = start <= minute < end if start <= end else (minute >= start or minute < end)
    if not inside:
        return None
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    until = local.replace(hour=rule.quiet_end.hour, minute=rule.quiet_end.minute)
    return until if until > local else until + timedelta(days=1)


def _language(user) -> str:
    recipient = Recipient.objects.filter(user=user).first()
    return recipient.language if recipient else Language.UZ


def _addresses(channel: Channel, users) -> list[tuple[object, str, str]]:
    """(user, address, language) for each recipient the channel reaches."""
    if channel.kind == Channel.Kind.WEBHOOK:
        return [(None, channel.webhook_url, Language.EN)] if channel.webhook_url else []
    found = []
    for user in users:
        language = _language(user)
        if channel.kind == Channel.Kind.EMAIL and user.email:
            found.append((user, user.email, language))
        elif channel.kind == Channel.Kind.TELEGRAM:
            for chat in channel.chats.filter(user=user):
                found.append((user, str(chat.chat_id), language))
    return found


def enqueue(rule: Rule, event: str, event_key: str, params: dict, now=None) -> int:
    """Write the event's notifications for the rule's channels and those of its recipients who
    may receive it (alerts.audience: an operator only their own calls and callbacks, the
    incidents only supervisors and administrators); an event already queued is not queued again.
    Returns how many rows are new."""
    now = now or timezone.now()
    users = [
        user
        for user in rule.recipients.all()
        if user.is_active and may_receive(user, rule.kind, event, params)
    ]
    held = quiet_until(rule, now)
    status = Notification.Status.PENDING
    if held and rule.quiet_mode == Rule.QuietMode.DROP:
        status = Notification.Status.DROPPED
    rows = [
        Notification(
            event_key=event_key,
            event=event,
            params=params,
            channel=channel,
            user=user,
            address=address,
            language=language,
            status=status,
            not_before=held or now,
        )
        for channel in rule.channels.filter(enabled=True)
        for user, address, language in _addresses(channel, users)
    ]
    if not rows:
        return 0
    before = Notification.objects.filter(event_key=event_key).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return Notification.objects.filter(event_key=event_key).count() - before


def claim(pk: int, now: datetime) -> Notification | None:
    """Take the row for this worker, if it is due and nobody holds it."""
    claimed = (
        Notification.objects.filter(pk=pk, not_before__lte=now, channel__enabled=True)
        .filter(
            Q(status=Notification.Status.PENDING)
            | Q(status=Notification.Status.SENDING, claimed_until__lt=now)
        )
        .update(status=Notification.Status.SENDING, claimed_until=now + CLAIM)
    )
    if not claimed:
        return None
    return Notification.objects.select_related("channel").get(pk=pk)


def _render(notification: Notification):
    """The message in the recipient's language; a digest's figures and attachment are read
    now, over the calls its recipient may see."""
    if notification.event not in digest_schedule.KINDS:
        return messages.render(notification.event, notification.params, notification.language)
    with translation.override(notification.language):
        message, _figures = digest_render.render(
            notification.event,
            notification.params,
            notification.language,
            notification.user,
            with_attachment=notification.channel.kind == Channel.Kind.EMAIL,
        )
    return message


def _webhook_data(notification: Notification) -> dict:
    if notification.event not in digest_schedule.KINDS:
        return notification.params
    span = digest_schedule.Span.from_params(notification.params)
    return {**notification.params, "figures": digest_figures.figures(span).as_data()}


def _send(notification: Notification) -> None:
    channel = notification.channel
    if channel.kind == Channel.Kind.WEBHOOK:
        payload = {
            "id": notification.event_key,
            "event": notification.event,
            "created_at": notification.created_at.isoformat(),
            "data": _webhook_data(notification),
        }
        webhook.post(notification.address, channel.webhook_secret, notification.event_key, payload)
        return
    message = _render(notification)
    if channel.kind == Channel.Kind.TELEGRAM:
        keyboard = buttons.keyboard(notification) or message.buttons
        try:
            telegram.send_message(
                channel.bot_token, notification.address, message.telegram_html, keyboard
            )
        except DeliveryError as exc:
            plain = buttons.without_links(keyboard)
            if exc.temporary or plain == keyboard:
                raise
            # Refused, not sent: a link Telegram will not take (SITE_URL) must not cost the news.
            logger.info("Telegram refused a message with a link button (%s): sent without", exc)
            telegram.send_message(
                channel.bot_token, notification.address, message.telegram_html, plain
            )
    else:
        email.send(
            notification.address,
            message.subject,
            message.text,
            message.html,
            getattr(message, "attachments", ()),
        )


@dataclass
class Outcome:
    sent: bool
    error: str = ""
    retry_in: timedelta | None = None
    deferred: bool = False


RATE_WINDOW = timedelta(minutes=1)


def chat_free_at(notification: Notification, now: datetime) -> datetime | None:
    """When the chat may take another message, if `notification` would go over the per-chat
    limit (TELEGRAM_CHAT_MESSAGES_PER_MINUTE) now; None when it may be sent.

    Counted after the row is claimed: the messages sent to the chat in the last minute and the
    others claimed for it at this moment. Of two workers claiming rows for the same chat, each
    counts the other's claim or sent row (each claims before it counts), so the limit holds
    without a lock; at worst both wait.
    """
    limit = settings.TELEGRAM_CHAT_MESSAGES_PER_MINUTE
    if notification.channel.kind != Channel.Kind.TELEGRAM or limit <= 0:
        return None
    same_chat = Notification.objects.filter(
        channel_id=notification.channel_id, address=notification.address
    ).exclude(pk=notification.pk)
    in_flight = same_chat.filter(status=Notification.Status.SENDING).count()
    sent = list(
        same_chat.filter(status=Notification.Status.SENT, sent_at__gt=now - RATE_WINDOW)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)[:limit]
    )
    if len(sent) + in_flight < limit:
        return None
    if len(sent) < limit:
        return now + timedelta(seconds=5)  # others are being sent: look again shortly
    # The moment the oldest of the last `limit` messages leaves the window.
    return sent[-1] + RATE_WINDOW


def _defer(pk: int, until: datetime) -> None:
    """Back to waiting, untried: a message over the chat's limit is late, not failed."""
    Notification.objects.filter(pk=pk).update(
        status=Notification.Status.PENDING, claimed_until=None, not_before=until
    )


def deliver(pk: int, now: datetime | None = None) -> Outcome | None:
    """Send one notification if this worker can claim it; None when it is not ours to send.
    A Telegram message over its chat's per-minute limit is put back until the chat is free."""
    stamp = now
    now = now or timezone.now()
    notification = claim(pk, now)
    if notification is None:
        return None
    if (free_at := chat_free_at(notification, now)) is not None:
        _defer(pk, free_at)
        return Outcome(False, "", free_at - now, deferred=True)
    attempts = notification.attempts + 1
    try:
        _send(notification)
    except DeliveryError as exc:
        final = not exc.temporary or attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        delay = None if final else backoff(attempts)
        Notification.objects.filter(pk=pk).update(
            status=Notification.Status.FAILED if final else Notification.Status.PENDING,
            attempts=attempts,
            error=exc.reason,
            claimed_until=None,
            not_before=now + (delay or timedelta()),
        )
        logger.info("Notification %s not delivered (try %s): %s", pk, attempts, exc.reason)
        return Outcome(False, exc.reason, delay)
    Notification.objects.filter(pk=pk).update(
        status=Notification.Status.SENT,
        attempts=attempts,
        error="",
        claimed_until=None,
        sent_at=stamp or timezone.now(),
    )
    return Outcome(True)


def due(now: datetime | None = None, limit: int = 200) -> list[int]:
    """The rows ready to send: waiting and due, or claimed by a worker that has gone."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(not_before__lte=now, channel__enabled=True)
        .filter(
            Q(status=Notification.Status.PENDING)
            | Q(status=Notification.Status.SENDING, claimed_until__lt=now)
        )
        .order_by("not_before", "id")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due(now: datetime | None = None) -> int:
    """Send every due notification; returns how many were delivered. Without `now` each row
    is stamped with its own moment of sending (the per-chat limit counts those)."""
    return sum(1 for pk in due(now) if (outcome := deliver(pk, now)) and outcome.sent)


def send_test(channel: Channel, user) -> str:
    """The Send a test button: the result in words. The test goes through the outbox like any
    message, so it shows in the log too."""
    try:
        return _send_test(channel, user)
    except DeliveryError as exc:
        return exc.reason


def _send_test(channel: Channel, user) -> str:
    if not channel.enabled:
        return _("The channel is switched off.")
    params = {"channel": channel.name}
    addresses = _addresses(channel, [user])
    if not addresses:
        if channel.kind == Channel.Kind.TELEGRAM:
            return _check_bot(channel)
        if channel.kind == Channel.Kind.EMAIL:
            return _("Your account has no e-mail address: add one to receive tests.")
        return _("The webhook has no URL.")
    results = []
    for recipient, address, language in addresses:
        row = Notification.objects.create(
            event_key=f"test:{uuid.uuid4()}",
            event="test",
            params=params,
            channel=channel,
            user=recipient,
            address=address,
            language=language,
            not_before=timezone.now(),
        )
        outcome = deliver(row.pk)
        if outcome.sent:
            results.append(_("Delivered to %(address)s.") % {"address": address})
        elif outcome.deferred:
            results.append(
                _("Waiting for %(address)s: the chat has had its messages for this minute.")
                % {"address": address}
            )
        else:
            results.append(
                _("Not delivered to %(address)s: %(error)s")
                % {"address": address, "error": outcome.error}
            )
            Notification.objects.filter(pk=row.pk).update(status=Notification.Status.FAILED)
    return " ".join(results)


def _check_bot(channel: Channel) -> str:
    """A bot with no chat linked to the user yet: at least check that the token works."""
    bot = telegram.get_me(channel.bot_token)
    return _(
        "The bot @%(bot)s answers, but no Telegram chat of yours is linked yet: send it the "
        "code shown on this page."
    ) % {"bot": bot.get("username", "")}

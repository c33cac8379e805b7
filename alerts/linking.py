"""Telegram chats join by sending the bot a one-time code shown in Settings; the periodic
`getUpdates` read (no inbound port needed) links the chat to the code's user. Anything else a
stranger sends does nothing; a button pressed in a chat not linked is refused."""

import logging
import re
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alerts import presses
from alerts.channels import DeliveryError, telegram
from alerts.models import Channel, LinkCode, Recipient, TelegramChat

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_PATTERN = re.compile(r"\b([A-Z2-9]{8})\b")


def new_code(channel: Channel, user) -> LinkCode:
    """A fresh code for the user (earlier unused ones stop working)."""
    LinkCode.objects.filter(channel=channel, user=user, used_at__isnull=True).delete()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return LinkCode.objects.create(
        channel=channel, user=user, code=code, expires_at=timezone.now() + CODE_LIFETIME
    )


def _language(user) -> str:
    recipient = Recipient.objects.filter(user=user).first()
    return recipient.language if recipient else "uz"


def link(channel: Channel, chat: dict, text: str) -> TelegramChat | None:
    """Link the chat if the text carries a valid, unused code of this channel."""
    match = CODE_PATTERN.search(text.upper())
    if not match:
        return None
    now = timezone.now()
    with transaction.atomic():
        used = LinkCode.objects.filter(
            channel=channel, code=match.group(1), used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not used:
            return None
        code = LinkCode.objects.get(channel=channel, code=match.group(1))
        try:
            with transaction.atomic():
                linked, _created = TelegramChat.objects.update_or_create(
                    channel=channel,
                    chat_id=chat["id"],
                    defaults={
                        "user": code.user,
                        "title": str(chat.get("title") or chat.get("username") or "")[:255],
                    },
                )
        except IntegrityError:
            return None
    return linked


def _handle_message(channel: Channel, message: dict) -> None:
    chat = message.get("chat") or {}
    if "id" not in chat:
        return
    linked = link(channel, chat, str(message.get("text", "")))
    if linked is None:
        return  # a stranger's message: no answer at all
    with translation.override(_language(linked.user)):
        text = _("This chat is now linked to %(user)s.") % {"user": linked.user.get_username()}
    try:
        telegram.send_message(channel.bot_token, chat["id"], text)
    except DeliveryError as exc:
        logger.info("Telegram: could not confirm a linked chat: %s", exc.reason)


def read_updates(channel: Channel) -> int:
    """Read the bot's new messages and button presses; returns how many were read. The offset
    is saved after each update, so an update is handled once."""
    updates = telegram.get_updates(channel.bot_token, channel.telegram_offset)
    for update in updates:
        update_id = int(update.get("update_id", 0))
        if update_id < channel.telegram_offset:
            continue
        if "message" in update:
            _handle_message(channel, update["message"])
        elif "callback_query" in update:
            presses.handle(channel, update["callback_query"])
        channel.telegram_offset = update_id + 1
        Channel.objects.filter(pk=channel.pk).update(telegram_offset=channel.telegram_offset)
    return len(updates)


def read_all_updates() -> None:
    for channel in Channel.objects.filter(kind=Channel.Kind.TELEGRAM, enabled=True):
        if not channel.bot_token:
            continue
        try:
            read_updates(channel)
        except DeliveryError as exc:
            logger.info("Telegram %s: updates not read: %s", channel, exc.reason)

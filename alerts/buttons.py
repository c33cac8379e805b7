"""The missed-call message's Telegram buttons: "I'll call back" (callback data naming the call,
signed for the chat it was sent to) and "Open" (a link to the callbacks page, when SITE_URL is
set). The press is handled in `alerts.presses`."""

import hmac

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

CLAIM = "claim"
_SALT = "alerts.buttons.claim"


def _signature(channel_id: int, chat_id, call_id: int) -> str:
    return salted_hmac(_SALT, f"{channel_id}:{chat_id}:{call_id}").hexdigest()[:16]


def claim_data(channel_id: int, chat_id, call_id: int) -> str:
    """The callback data (at most 64 bytes): `claim:<call id>:<signature>`. Signed with the
    channel and chat, so data copied to another chat, or a call id changed, is refused."""
    return f"{CLAIM}:{call_id}:{_signature(channel_id, chat_id, call_id)}"


def parse_claim(channel_id: int, chat_id, data: str) -> int | None:
    """The call id of valid claim data pressed in this chat; None otherwise."""
    kind, _sep, rest = str(data).partition(":")
    call_id, _sep, signature = rest.partition(":")
    if kind != CLAIM or not call_id.isdigit():
        return None
    expected = _signature(channel_id, chat_id, int(call_id))
    return int(call_id) if hmac.compare_digest(expected, signature) else None


def site_link(url_name: str) -> str:
    """The page's public address, or "" without SITE_URL."""
    if not settings.SITE_URL:
        return ""
    return settings.SITE_URL.rstrip("/") + reverse(url_name)


def open_button() -> list[dict]:
    """The "Open" button (in the active language), or none without SITE_URL."""
    link = site_link("callback_list")
    return [{"text": _("Open"), "url": link}] if link else []


def keyboard(notification) -> list[list[dict]]:
    """The inline keyboard of a Telegram notification, in its language: a missed call's two
    buttons; nothing for other events."""
    call_id = notification.params.get("call_id")
    if notification.event != "missed_call" or not call_id:
        return []
    with translation.override(notification.language):
        claim = {
            "text": _("I'll call back"),
            "callback_data": claim_data(notification.channel_id, notification.address, call_id),
        }
        return [[claim, *open_button()]]


def without_links(keyboard: list[list[dict]]) -> list[list[dict]]:
    """The keyboard without its link buttons (Telegram refuses links it cannot open, such as a
    SITE_URL on localhost)."""
    rows = [[button for button in row if "url" not in button] for row in keyboard]
    return [row for row in rows if row]


def after_claim() -> list[list[dict]]:
    """The keyboard once the callback is taken: "Open" alone (nothing without SITE_URL)."""
    button = open_button()
    return [button] if button else []

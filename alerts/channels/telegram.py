"""The Telegram Bot API: sendMessage, getUpdates, answerCallbackQuery, editMessageReplyMarkup.
Its base URL is the TELEGRAM_API_URL setting, so tests and offices behind a relay can point it
elsewhere."""

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from alerts.channels import TIMEOUT_SECONDS, DeliveryError, network_error


def _call(token: str, method: str, payload: dict, timeout: float = TIMEOUT_SECONDS) -> object:
    base = settings.TELEGRAM_API_URL.rstrip("/")
    url = f"{base}/bot{token}/{method}"
    try:
        response = requests.post(url, json=payload, timeout=timeout)
    except requests.RequestException as exc:
        raise network_error(exc, base) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.ok and body.get("ok"):
        return body.get("result")
    description = str(body.get("description", ""))[:200]
    if response.status_code in (401, 404):
        raise DeliveryError(_("Telegram refused the bot token."), temporary=False)
    if response.status_code in (400, 403):
        raise DeliveryError(
            _("Telegram refused the message: %(reason)s") % {"reason": description},
            temporary=False,
        )
    raise DeliveryError(
        _("Telegram answered with an error (HTTP %(status)s).") % {"status": response.status_code}
    )


def send_message(token: str, chat_id: int | str, text: str, buttons: list | None = None) -> None:
    payload = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if buttons:
        payload["reply_markup"] = {"inline_keyboard": buttons}
    _call(token, "sendMessage", payload)


def get_updates(token: str, offset: int) -> list[dict]:
    """The updates from `offset` on; asking with an offset confirms those before it."""
    result = _call(token, "getUpdates", {"offset": offset, "timeout": 0})
    return result if isinstance(result, list) else []


def answer_callback_query(token: str, callback_query_id: str, text: str) -> None:
    _call(token, "answerCallbackQuery", {"callback_query_id": callback_query_id, "text": text})


def edit_reply_markup(token: str, chat_id, message_id: int, buttons: list | None) -> None:
    """Replace a sent message's buttons (none: remove them)."""
    payload = {
        "chat_id": chat_id,
        "message_id": message_id,
        "reply_markup": {"inline_keyboard": buttons or []},
    }
    _call(token, "editMessageReplyMarkup", payload)


def get_me(token: str) -> dict:
    result = _call(token, "getMe", {})
    return result if isinstance(result, dict) else {}

"""A press of "I'll call back" in Telegram, read by getUpdates: the callback is claimed as the
chat's linked user through `monitoring.callbacks.actions.claim`, the same path as the callbacks
page's button, with its rules (taken by someone else: who; closed: so). The answer is written in
the user's language. A chat not linked, data not signed for the chat, or a callback the user may
not see changes nothing."""

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roles import Role, role_of
from alerts import buttons
from alerts.channels import DeliveryError, telegram
from alerts.models import Channel, Recipient, TelegramChat
from monitoring.callbacks import actions, queue
from monitoring.models import Call, Callback

logger = logging.getLogger(__name__)


def _language(user) -> str:
    recipient = Recipient.objects.filter(user=user).first()
    return recipient.language if recipient else "uz"


def callback_of_call(call_id: int) -> Callback | None:
    """The callback a missed call belongs to: its number's callback opened at or before the call
    and still counting it."""
    call = Call.objects.filter(pk=call_id).values("external_number", "started_at").first()
    if call is None or not call["external_number"]:
        return None
    return (
        Callback.objects.filter(
            number=call["external_number"],
            first_missed_at__lte=call["started_at"],
            last_missed_at__gte=call["started_at"],
        )
        .select_related("owner")
        .order_by("-first_missed_at")
        .first()
    )


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def claim_as(user, call_id: int) -> tuple[str, bool]:
    """Claim the call's callback for `user`: (the answer in words, whether it is theirs now)."""
    if role_of(user) < Role.OPERATOR:
        return _("You may not act on this callback."), False
    callback = callback_of_call(call_id)
    if callback is None:
        return _("This callback no longer exists."), False
    visible = queue.callbacks_visible_to(user, Callback.objects.filter(pk=callback.pk)).exists()
    if not (visible and queue.may_act(user, callback)):
        # An operator's view hides callbacks others took; say who has it, as the page's race does.
        if not callback.is_open:
            return _("This callback is already closed: %(outcome)s.") % {
                "outcome": callback.get_resolution_display()
            }, False
        if callback.owner_id and callback.owner_id != user.pk:
            return _("%(owner)s has already taken this callback.") % {
                "owner": _name(callback.owner)
            }, False
        return _("You may not act on this callback."), False
    try:
        actions.claim(callback, user)
    except actions.CallbackActionError as error:
        return str(error), False
    return _("You will call %(number)s back.") % {"number": callback.number}, True


def handle(channel: Channel, query: dict) -> str:
    """Answer one button press (answerCallbackQuery); returns the answer's text."""
    message = query.get("message") or {}
    chat_id = (message.get("chat") or {}).get("id")
    linked = TelegramChat.objects.filter(channel=channel, chat_id=chat_id).select_related("user")
    linked = linked.first() if chat_id is not None else None
    claimed, keyboard = False, None
    if linked is None:
        text = _("This chat is not linked to any user.")
    else:
        with translation.override(_language(linked.user)):
            call_id = buttons.parse_claim(channel.pk, chat_id, str(query.get("data", "")))
            if call_id is None:
                text = _("This button is no longer valid.")
            else:
                text, claimed = claim_as(linked.user, call_id)
            keyboard = buttons.after_claim() if claimed else None
    try:
        telegram.answer_callback_query(channel.bot_token, str(query.get("id", "")), text)
        if claimed and message.get("message_id"):
            telegram.edit_reply_markup(channel.bot_token, chat_id, message["message_id"], keyboard)
    except DeliveryError as exc:
        logger.info("Telegram: a button press was not answered: %s", exc.reason)
    return text

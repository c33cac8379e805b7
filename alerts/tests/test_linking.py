"""Telegram chats join with a one-time code; strangers get nothing; buttons from chats not
linked are refused."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts import linking
from alerts.models import LinkCode, TelegramChat

pytestmark = pytest.mark.django_db
STRANGER = 777


def test_a_chat_that_sends_the_code_is_linked_to_the_user(bot, supervisor, telegram_api):
    code = linking.new_code(bot, supervisor)
    telegram_api.user_sends(4242, f"/start {code.code}")

    linking.read_all_updates()

    chat = TelegramChat.objects.get(chat_id=4242)
    assert chat.user == supervisor
    assert telegram_api.texts_to(4242) == ["This chat is now linked to dilnoza."]


def test_a_code_works_once(bot, supervisor, telegram_api):
    code = linking.new_code(bot, supervisor)
    telegram_api.user_sends(4242, code.code)
    telegram_api.user_sends(STRANGER, code.code)

    linking.read_all_updates()

    assert list(TelegramChat.objects.values_list("chat_id", flat=True)) == [4242]
    assert telegram_api.texts_to(STRANGER) == []


def test_a_strangers_start_or_an_expired_code_does_nothing(bot, supervisor, telegram_api):
    code = linking.new_code(bot, supervisor)
    LinkCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    telegram_api.user_sends(STRANGER, "/start")
    telegram_api.user_sends(STRANGER, code.code)

    linking.read_all_updates()

    assert not TelegramChat.objects.exists()
    assert telegram_api.sent == []


def test_each_update_is_read_once(bot, supervisor, telegram_api):
    telegram_api.user_sends(4242, linking.new_code(bot, supervisor).code)
    linking.read_all_updates()
    linking.read_all_updates()

    assert len(telegram_api.texts_to(4242)) == 1
    bot.refresh_from_db()
    assert bot.telegram_offset == 2


def test_a_button_pressed_in_a_chat_not_linked_is_refused(bot, linked_chat, telegram_api):
    telegram_api.user_presses(STRANGER, "noted")
    telegram_api.user_presses(linked_chat.chat_id, "noted")

    linking.read_all_updates()

    assert [(a["callback_query_id"], a["text"]) for a in telegram_api.answered] == [
        ("q1", "This chat is not linked to any user."),
        ("q2", "This button is no longer valid."),
    ]

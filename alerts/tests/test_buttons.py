"""The missed-call message's Telegram buttons: "I'll call back" claims the callback as the chat's
linked user (the callbacks page's own path and rules); "Open" links to the callbacks page."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.testing import make_user
from alerts import buttons, linking, outbox
from alerts.models import Recipient, Rule, TelegramChat
from monitoring.callbacks import actions, derive
from monitoring.models import Callback, CallbackAction, CallStatus
from monitoring.tests.factories import make_call

pytestmark = pytest.mark.django_db
OPERATOR_CHAT, SUPERVISOR_CHAT, STRANGER = 7001, 7002, 7999
CLAIM, OPEN = "I'll call back", "Open"


@pytest.fixture
def people(bot, pbx):
    operator = make_user("olga", Role.OPERATOR, extensions="101", pbx=pbx, first_name="Olga")
    boss = make_user("bobur", Role.SUPERVISOR, first_name="Bobur")
    for user, chat in ((operator, OPERATOR_CHAT), (boss, SUPERVISOR_CHAT)):
        Recipient.objects.create(user=user, language="en")
        TelegramChat.objects.create(channel=bot, chat_id=chat, user=user)
    return operator, boss


@pytest.fixture
def missed(pbx):
    """A missed call, its callback derived as a sync would."""
    call = make_call(
        pbx, timezone.now() - dt.timedelta(minutes=5), status=CallStatus.NO_ANSWER, extension=""
    )
    derive.refresh({call.external_number: None})
    return call


@pytest.fixture
def sent(make_rule, bot, people, missed, telegram_api, settings):
    """The missed call's message, delivered to both chats (the operator's first)."""
    settings.SITE_URL = "https://monitor.example.uz"
    rule = make_rule(Rule.Kind.MISSED_CALL, [bot], list(people))
    params = {"number": missed.from_number, "call_id": missed.pk, "pbx": "Main",
              "started_at": missed.started_at.isoformat()}  # fmt: skip
    outbox.enqueue(rule, "missed_call", f"missed_call:{missed.pk}", params)
    outbox.deliver_due()
    chats = [message["chat_id"] for message in telegram_api.sent]
    return {int(chat): index for index, chat in enumerate(chats)}


def answers(telegram_api) -> list[str]:
    return [answer["text"] for answer in telegram_api.answered]


def test_the_message_has_both_buttons_and_open_links_to_the_callbacks_page(sent, telegram_api):
    claim, open_ = telegram_api.buttons_of(sent[OPERATOR_CHAT])
    assert claim["text"] == CLAIM and claim["callback_data"].startswith("claim:")
    assert open_ == {"text": OPEN, "url": "https://monitor.example.uz/callbacks/"}


def test_without_site_url_there_is_no_open_button(make_rule, bot, people, missed, telegram_api):
    rule = make_rule(Rule.Kind.MISSED_CALL, [bot], [people[0]])
    outbox.enqueue(rule, "missed_call", "missed_call:1", {"call_id": missed.pk})
    outbox.deliver_due()

    assert [button["text"] for button in telegram_api.buttons_of(0)] == [CLAIM]


def test_a_link_telegram_refuses_costs_the_button_not_the_message(
    make_rule, bot, people, missed, telegram_api, settings
):
    settings.SITE_URL = "http://localhost:8000"
    rule = make_rule(Rule.Kind.MISSED_CALL, [bot], [people[0]])
    outbox.enqueue(rule, "missed_call", "missed_call:1", {"call_id": missed.pk})

    assert outbox.deliver_due() == 1
    assert [button["text"] for button in telegram_api.buttons_of(0)] == [CLAIM]


def test_a_press_claims_the_callback_as_the_chats_user(sent, people, missed, telegram_api):
    operator, _boss = people
    telegram_api.press_button(sent[OPERATOR_CHAT], CLAIM)

    linking.read_all_updates()

    callback = Callback.objects.get()
    assert callback.owner == operator
    assert answers(telegram_api) == [f"You will call {callback.number} back."]
    # The claim button is gone from the message; Open stays.
    (edit,) = telegram_api.edited
    assert edit["message_id"] == sent[OPERATOR_CHAT] + 1
    assert edit["reply_markup"]["inline_keyboard"] == [
        [{"text": OPEN, "url": "https://monitor.example.uz/callbacks/"}]
    ]
    action = CallbackAction.objects.get()
    assert (action.kind, action.user) == (CallbackAction.Kind.CLAIM, operator)


def test_a_double_press_is_one_claim(sent, people, telegram_api):
    telegram_api.press_button(sent[OPERATOR_CHAT], CLAIM)
    telegram_api.press_button(sent[OPERATOR_CHAT], CLAIM)
    linking.read_all_updates()
    telegram_api.press_button(sent[OPERATOR_CHAT], CLAIM)
    linking.read_all_updates()

    assert CallbackAction.objects.count() == 1
    assert Callback.objects.get().owner == people[0]
    assert len(set(answers(telegram_api))) == 1 and len(answers(telegram_api)) == 3


def test_a_press_in_a_chat_not_linked_is_refused_and_changes_nothing(sent, telegram_api):
    data = telegram_api.buttons_of(sent[OPERATOR_CHAT])[0]["callback_data"]
    telegram_api.user_presses(STRANGER, data, 1)

    linking.read_all_updates()

    assert answers(telegram_api) == ["This chat is not linked to any user."]
    assert Callback.objects.get().owner is None
    assert not CallbackAction.objects.exists() and telegram_api.edited == []


def test_data_copied_to_another_chat_or_changed_is_refused(sent, missed, telegram_api, pbx):
    other = make_call(pbx, timezone.now() - dt.timedelta(minutes=3), status=CallStatus.NO_ANSWER,
                      external_number="907777777", from_number="+998907777777")  # fmt: skip
    derive.refresh({other.external_number: None})
    data = telegram_api.buttons_of(sent[OPERATOR_CHAT])[0]["callback_data"]
    kind, _call, signature = data.split(":")
    telegram_api.user_presses(SUPERVISOR_CHAT, data, 2)  # the operator's button, the boss's chat
    telegram_api.user_presses(OPERATOR_CHAT, f"{kind}:{other.pk}:{signature}", 1)

    linking.read_all_updates()

    assert answers(telegram_api) == ["This button is no longer valid."] * 2
    assert not Callback.objects.filter(owner__isnull=False).exists()


def test_taken_by_someone_else_says_who(sent, people, telegram_api):
    _operator, boss = people
    telegram_api.press_button(sent[SUPERVISOR_CHAT], CLAIM)
    telegram_api.press_button(sent[OPERATOR_CHAT], CLAIM)

    linking.read_all_updates()

    assert answers(telegram_api)[1] == "Bobur has already taken this callback."
    assert Callback.objects.get().owner == boss
    assert CallbackAction.objects.count() == 1


def test_a_closed_callback_says_so(sent, people, missed, telegram_api):
    _operator, boss = people
    actions.record_outcome(Callback.objects.get(), boss, CallbackAction.Outcome.NOT_NEEDED)
    telegram_api.press_button(sent[OPERATOR_CHAT], CLAIM)

    linking.read_all_updates()

    assert answers(telegram_api)[0].startswith("This callback is already closed: ")
    assert Callback.objects.get().owner is None


def test_a_user_without_a_role_may_not_claim(bot, missed, telegram_api, django_user_model):
    nobody = django_user_model.objects.create_user("nobody")
    Recipient.objects.create(user=nobody, language="en")
    TelegramChat.objects.create(channel=bot, chat_id=STRANGER, user=nobody)
    telegram_api.user_presses(STRANGER, buttons.claim_data(bot.pk, STRANGER, missed.pk), 1)

    linking.read_all_updates()

    assert answers(telegram_api) == ["You may not act on this callback."]
    assert Callback.objects.get().owner is None


def test_the_answer_is_in_the_users_language(sent, people, telegram_api):
    Recipient.objects.filter(user=people[0]).update(language="ru")
    telegram_api.press_button(sent[OPERATOR_CHAT], CLAIM)

    linking.read_all_updates()

    assert "перезвон" in answers(telegram_api)[0].lower()

"""The notification tests' real servers and standing objects."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import GROUP_NAMES, Role
from alerts.models import Channel, Recipient, Rule, TelegramChat
from alerts.testing import FakeTelegram, SmtpServer, WebhookReceiver

CHAT_ID = 5551001


@pytest.fixture
def telegram_api(settings):
    api = FakeTelegram().start()
    settings.TELEGRAM_API_URL = api.url
    yield api
    api.stop()


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def supervisor(django_user_model):
    """A supervisor who reads English (Uzbek, the default, has tests of its own)."""
    user = django_user_model.objects.create_user(
        "dilnoza", email="dilnoza@example.uz", password="Super-pass-123"
    )
    user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.SUPERVISOR])[0])
    Recipient.objects.create(user=user, language="en")
    return user


@pytest.fixture
def bot(db, telegram_api):
    return Channel.objects.create(
        kind=Channel.Kind.TELEGRAM, name="Bot", bot_token=telegram_api.token
    )


@pytest.fixture
def linked_chat(bot, supervisor):
    return TelegramChat.objects.create(channel=bot, chat_id=CHAT_ID, user=supervisor)


@pytest.fixture
def make_rule(db):
    """`make_rule(kind, channels, users, **fields)`: a switched-on rule."""

    def make(kind, channels, users, **fields):
        from django.utils import timezone

        rule = Rule.objects.create(kind=kind, enabled=True, enabled_at=timezone.now(), **fields)
        rule.channels.set(channels)
        rule.recipients.set(users)
        return rule

    return make

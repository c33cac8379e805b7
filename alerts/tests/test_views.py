"""Settings → Notifications and the Notifications log."""

import pytest
from django.db import connection
from django.urls import reverse

from alerts.models import Channel, LinkCode, Notification, Recipient, Rule, TelegramChat

pytestmark = pytest.mark.django_db
TOKEN = "123456:secret-token"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_it_lists_the_channels_and_a_rule_of_each_kind(administrator_client):
    Channel.objects.create(kind=Channel.Kind.EMAIL, name="Office mail")

    response = administrator_client.get(reverse("notification_settings"))

    assert response.status_code == 200
    assert b"Office mail" in response.content
    assert set(Rule.objects.values_list("kind", flat=True)) == set(Rule.Kind.values)
    assert not Rule.objects.filter(enabled=True).exists()


def test_the_bot_token_is_encrypted_and_never_shown_back(administrator_client):
    response = administrator_client.post(
        reverse("notification_channel_create"),
        {"kind": "telegram", "name": "Bot", "enabled": "on", "bot_token": TOKEN},
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert channel.bot_token == TOKEN
    with connection.cursor() as cursor:
        cursor.execute("SELECT bot_token FROM alerts_channel")
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored

    page = administrator_client.get(reverse("notification_channel_edit", args=[channel.pk]))
    assert TOKEN.encode() not in page.content

    # Saved again with the token field empty: the stored token stays.
    administrator_client.post(
        reverse("notification_channel_edit", args=[channel.pk]),
        {"kind": "telegram", "name": "Bot 2", "enabled": "on", "bot_token": ""},
    )
    channel.refresh_from_db()
    assert (channel.name, channel.bot_token) == ("Bot 2", TOKEN)


def test_a_webhook_needs_its_url_and_secret(administrator_client):
    response = administrator_client.post(
        reverse("notification_channel_create"), {"kind": "webhook", "name": "CRM"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"webhook_url", "webhook_secret"}
    assert not Channel.objects.exists()


def test_send_a_test_says_in_words_that_the_network_is_unreachable(
    administrator_client, administrator_user, settings
):
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"
    channel = Channel.objects.create(kind=Channel.Kind.TELEGRAM, name="Bot", bot_token=TOKEN)
    TelegramChat.objects.create(channel=channel, chat_id=42, user=administrator_user)

    response = administrator_client.post(
        reverse("notification_channel_test", args=[channel.pk]), follow=True
    )

    assert messages_of(response) == [
        "Bot: Not delivered to 42: The network is unreachable: could not connect to 127.0.0.1."
    ]
    row = Notification.objects.get()
    assert row.status == Notification.Status.FAILED


def test_send_a_test_reaches_the_administrators_chat(
    administrator_client, administrator_user, telegram_api
):
    Recipient.objects.create(user=administrator_user, language="en")
    channel = Channel.objects.create(kind=Channel.Kind.TELEGRAM, name="Bot", bot_token=TOKEN)
    TelegramChat.objects.create(channel=channel, chat_id=42, user=administrator_user)

    response = administrator_client.post(
        reverse("notification_channel_test", args=[channel.pk]), follow=True
    )

    assert messages_of(response) == ["Bot: Delivered to 42."]
    assert "Test message" in telegram_api.texts_to(42)[0]


def test_send_a_test_without_a_linked_chat_checks_the_token(administrator_client, telegram_api):
    channel = Channel.objects.create(kind=Channel.Kind.TELEGRAM, name="Bot", bot_token=TOKEN)

    response = administrator_client.post(
        reverse("notification_channel_test", args=[channel.pk]), follow=True
    )

    assert "@callcenter_bot answers" in messages_of(response)[0]


def test_send_a_test_by_e_mail(administrator_client, administrator_user, smtp_server):
    administrator_user.email = "boss@example.uz"
    administrator_user.save()
    channel = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")

    response = administrator_client.post(
        reverse("notification_channel_test", args=[channel.pk]), follow=True
    )

    assert messages_of(response) == ["Mail: Delivered to boss@example.uz."]
    assert smtp_server.messages[0].rcpt_tos == ["boss@example.uz"]
    assert "Sinov xabari" in smtp_server.messages[0].content.decode()  # Uzbek by default


def test_a_link_code_is_made_for_the_chosen_user(administrator_client, supervisor):
    channel = Channel.objects.create(kind=Channel.Kind.TELEGRAM, name="Bot", bot_token=TOKEN)

    response = administrator_client.post(
        reverse("notification_link_code", args=[channel.pk]),
        {"user": supervisor.pk, "language": "ru"},
        follow=True,
    )

    code = LinkCode.objects.get(user=supervisor)
    assert code.code in messages_of(response)[0]
    assert Recipient.objects.get(user=supervisor).language == "ru"


def test_switching_a_rule_on_starts_it_from_now(administrator_client, supervisor):
    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    rule_data = {
        "enabled": "on",
        "channels": [mail.pk],
        "recipients": [supervisor.pk],
        "quiet_mode": "hold",
    }

    response = administrator_client.post(
        reverse("notification_rule_edit", args=["missed_call"]),
        {**rule_data, "quiet_start": "22:00", "quiet_end": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "quiet_end": ["Give both ends of the quiet hours, or neither."]
    }
    response = administrator_client.post(
        reverse("notification_rule_edit", args=["missed_call"]),
        rule_data,
    )
    assert response.status_code == 302
    rule = Rule.objects.get(kind="missed_call")
    assert rule.enabled and rule.enabled_at is not None
    assert list(rule.recipients.all()) == [supervisor]


def test_the_log_shows_what_was_sent_and_what_failed(administrator_client, supervisor):
    from django.utils import timezone

    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    now = timezone.now()
    Notification.objects.create(
        event_key="missed_call:1",
        event="missed_call",
        channel=mail,
        user=supervisor,
        address="dilnoza@example.uz",
        status=Notification.Status.SENT,
        not_before=now,
        sent_at=now,
    )
    Notification.objects.create(
        event_key="unhealthy:1:opened",
        event="unhealthy",
        channel=mail,
        user=supervisor,
        address="dilnoza@example.uz",
        status=Notification.Status.PENDING,
        not_before=now,
        attempts=3,
        error="The mail server did not accept the message.",
    )

    response = administrator_client.get(reverse("notification_log"))

    content = response.content.decode()
    assert content.count('data-status="sent"') == 1
    assert content.count('data-status="pending"') == 1
    assert "The mail server did not accept the message." in content
    assert "3 tries" in content


def test_send_a_test_on_a_switched_off_channel_says_so(administrator_client, telegram_api):
    channel = Channel.objects.create(
        kind=Channel.Kind.WEBHOOK, name="CRM", webhook_url="http://127.0.0.1:9/", enabled=False
    )

    response = administrator_client.post(
        reverse("notification_channel_test", args=[channel.pk]), follow=True
    )

    assert messages_of(response) == ["CRM: The channel is switched off."]
    assert not Notification.objects.exists()

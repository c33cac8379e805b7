"""E-mail through a real SMTP server, webhooks signed and verified by a real receiver."""

import json
import time

import pytest

from alerts import outbox
from alerts.channels import webhook
from alerts.models import Channel, Notification, Rule

pytestmark = pytest.mark.django_db

EVENT = {
    "number": "+998901234567",
    "name": "",
    "attempts": 1,
    "line": "200",
    "pbx": "Main",
    "started_at": "2026-12-07T05:15:00+00:00",
}


def test_it_sends_e_mail_with_text_and_html_parts(make_rule, supervisor, smtp_server):
    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    rule = make_rule(Rule.Kind.MISSED_CALL, [mail], [supervisor])

    outbox.enqueue(rule, "missed_call", "missed_call:1", EVENT)
    assert outbox.deliver_due() == 1

    (envelope,) = smtp_server.messages
    assert envelope.rcpt_tos == ["dilnoza@example.uz"]
    content = envelope.content.decode()
    assert "text/plain" in content and "text/html" in content
    assert "Missed call from +998901234567" in content


def test_a_mail_server_that_is_down_keeps_the_message(make_rule, supervisor, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    rule = make_rule(Rule.Kind.MISSED_CALL, [mail], [supervisor])

    outbox.enqueue(rule, "missed_call", "missed_call:1", EVENT)
    outbox.deliver_due()

    row = Notification.objects.get()
    assert row.status == Notification.Status.PENDING
    assert row.error == "The network is unreachable: could not connect to 127.0.0.1."


@pytest.fixture
def hook(webhook_receiver):
    return Channel.objects.create(
        kind=Channel.Kind.WEBHOOK,
        name="CRM",
        webhook_url=webhook_receiver.url + "/events",
        webhook_secret="shared-secret",
    )


def test_a_webhook_is_signed_and_the_signature_verifies(make_rule, hook, webhook_receiver):
    rule = make_rule(Rule.Kind.MISSED_CALL, [hook], [])

    outbox.enqueue(rule, "missed_call", "missed_call:7", EVENT)
    outbox.deliver_due()

    (received,) = webhook_receiver.received
    timestamp = received.headers[webhook.TIMESTAMP_HEADER]
    sent_signature = received.headers[webhook.SIGNATURE_HEADER]
    assert webhook.verify("shared-secret", timestamp, received.body, sent_signature)
    assert not webhook.verify("another-secret", timestamp, received.body, sent_signature)
    assert not webhook.verify("shared-secret", timestamp, received.body + b" ", sent_signature)
    assert received.headers[webhook.EVENT_HEADER] == "missed_call:7"
    body = json.loads(received.body)
    assert body["event"] == "missed_call" and body["data"]["number"] == "+998901234567"


def test_an_old_timestamp_does_not_verify(hook):
    body = b'{"event": "missed_call"}'
    old = str(int(time.time()) - 3600)
    assert not webhook.verify(
        "shared-secret", old, body, webhook.signature("shared-secret", old, body)
    )


def test_a_receiver_error_is_retried_and_a_refusal_is_not(make_rule, hook, webhook_receiver):
    rule = make_rule(Rule.Kind.MISSED_CALL, [hook], [])
    outbox.enqueue(rule, "missed_call", "missed_call:1", EVENT)
    outbox.enqueue(rule, "missed_call", "missed_call:2", EVENT)

    webhook_receiver.status = 503
    outbox.deliver(Notification.objects.get(event_key="missed_call:1").pk)
    webhook_receiver.status = 400
    outbox.deliver(Notification.objects.get(event_key="missed_call:2").pk)

    first, second = (Notification.objects.get(event_key=f"missed_call:{n}") for n in (1, 2))
    assert (first.status, first.error) == (
        Notification.Status.PENDING,
        "The webhook answered with an error (HTTP 503).",
    )
    assert second.status == Notification.Status.FAILED

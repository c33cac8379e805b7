"""E-mail notifications: a text and an HTML part, both in the recipient's language, with a link
to the page when SITE_URL is set."""

import email

import pytest

from alerts import outbox
from alerts.models import Channel, Recipient, Rule

pytestmark = pytest.mark.django_db
MISSED = {"number": "+998901234567", "line": "200", "pbx": "Main", "call_id": 5,
          "started_at": "2026-12-07T05:15:00+00:00"}  # fmt: skip


def parts(envelope) -> dict[str, str]:
    message = email.message_from_bytes(envelope.content)
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Missed call from"), ("ru", "Пропущенный звонок")]
)
def test_a_missed_call_mail_has_both_parts_in_the_language_and_a_link(
    make_rule, supervisor, smtp_server, settings, language, words
):
    settings.SITE_URL = "https://monitor.example.uz/"
    Recipient.objects.filter(user=supervisor).update(language=language)
    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    rule = make_rule(Rule.Kind.MISSED_CALL, [mail], [supervisor])

    outbox.enqueue(rule, "missed_call", "missed_call:5", MISSED)
    outbox.deliver_due()

    (envelope,) = smtp_server.messages
    found = parts(envelope)
    assert set(found) == {"text/plain", "text/html"}
    for body in found.values():
        assert words in body and "07.12.2026 10:15" in body
    assert "https://monitor.example.uz/callbacks/" in found["text/plain"]
    assert 'href="https://monitor.example.uz/callbacks/"' in found["text/html"]

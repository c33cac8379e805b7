"""Settings → Notifications in a real browser: it fits a phone and a laptop, and "Send a test"
says in words that the network is unreachable when nothing outside answers."""

import pytest
from django.urls import reverse

from alerts.models import Channel, Recipient, TelegramChat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(tab) -> bool:
    return tab.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def overflowing(tab) -> list[str]:
    """The elements reaching past the window's right edge, to say what to fix."""
    return tab.evaluate(
        """[...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 8).map(e => e.tagName + "." + e.className)"""
    )


def test_the_page_fits_and_the_test_button_answers_in_words(
    admin_page_en, live_server, admin_user, settings
):
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"
    bot = Channel.objects.create(kind=Channel.Kind.TELEGRAM, name="Office bot", bot_token="1:x")
    TelegramChat.objects.create(channel=bot, chat_id=42, user=admin_user)
    Recipient.objects.create(user=admin_user, language="en")
    Channel.objects.create(
        kind=Channel.Kind.WEBHOOK,
        name="CRM",
        webhook_url="https://crm.example.uz/hooks/calls/very/long/path/for/the/receiver",
        webhook_secret="s",
    )
    url = live_server.url + reverse("notification_settings")

    for width, height in ((1366, 768), (390, 844)):
        admin_page_en.set_viewport_size({"width": width, "height": height})
        admin_page_en.goto(url)
        assert fits(admin_page_en), f"horizontal scroll at {width} px: {overflowing(admin_page_en)}"

    admin_page_en.click(f'tr[data-channel="{bot.pk}"] button:has-text("Send a test")')
    admin_page_en.wait_for_load_state()
    assert (
        "Not delivered to 42: The network is unreachable: could not connect to 127.0.0.1."
        in admin_page_en.inner_text("body")
    )
    assert fits(admin_page_en)


@pytest.mark.parametrize("kind", ["service_level", "inbound_silence", "callback_overdue"])
def test_a_rules_form_with_its_thresholds_fits(admin_page_en, live_server, kind):
    url = live_server.url + reverse("notification_rule_edit", args=[kind])

    for width, height in ((1366, 768), (390, 844)):
        admin_page_en.set_viewport_size({"width": width, "height": height})
        admin_page_en.goto(url)
        assert fits(admin_page_en), f"horizontal scroll at {width} px: {overflowing(admin_page_en)}"
        assert admin_page_en.locator("form.aligned input[type=number]").count() >= 1

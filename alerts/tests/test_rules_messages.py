"""The new rules' messages: stored as an event code and parameters, written in the recipient's
language when sent, with times on the Tashkent clock."""

import pytest

from alerts import messages

OPENED = "2026-11-11T05:30:00+00:00"  # 10:30 in Tashkent
RESOLVED = "2026-11-11T06:55:00+00:00"  # 11:55
EVENTS = {
    "callback_overdue": {
        "number": "901234567",
        "name": "Aziz",
        "attempts": 2,
        "first_missed_at": OPENED,
        "minutes": 30,
        "owner": "",
        "pbx": "Main",
    },
    "service_level_low": {
        "pbx": "Main",
        "level": 62.5,
        "inbound": 8,
        "within": 5,
        "target": 80,
        "seconds": 20,
        "opened_at": OPENED,
    },
    "service_level_ok": {
        "pbx": "Main",
        "level": 62.5,
        "target": 80,
        "opened_at": OPENED,
        "resolved_at": RESOLVED,
        "recovery": {"level": 90.0, "inbound": 10, "within": 9, "seconds": 20},
    },
    "inbound_silence": {
        "pbx": "Main",
        "minutes": 20,
        "usual": 6.5,
        "weeks": 6,
        "last_call_at": OPENED,
        "silent_since": OPENED,
        "opened_at": OPENED,
    },
    "inbound_resumed": {
        "pbx": "Main",
        "silent_since": OPENED,
        "opened_at": OPENED,
        "resolved_at": RESOLVED,
        "recovery": {"arrived_at": RESOLVED},
    },
}


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_each_message_is_written_in_the_recipients_language(event):
    english = messages.render(event, EVENTS[event], "en")
    for language in ("uz", "ru"):
        translated = messages.render(event, EVENTS[event], language)
        assert translated.subject != english.subject
        assert all(
            line != original
            for line, original in zip(translated.lines, english.lines, strict=True)
            if not line.endswith(": Main")  # "PBX: Main" may read the same
        )
        assert "11.11.2026 10:30" in translated.text  # Tashkent, not UTC


def test_the_numbers_read_naturally():
    low = messages.render("service_level_low", EVENTS["service_level_low"], "en")
    ok = messages.render("service_level_ok", EVENTS["service_level_ok"], "en")
    silence = messages.render("inbound_silence", EVENTS["inbound_silence"], "ru")

    assert low.subject == "Service level 62.5% is below the target of 80% — Main"
    assert ok.subject == "Service level recovered: 90% — Main"
    assert "обычно 6.5 входящих звонков" in silence.text


def test_a_recovery_with_too_few_calls_to_measure_says_so():
    params = {**EVENTS["service_level_ok"], "recovery": {"level": None, "inbound": 2}}

    ok = messages.render("service_level_ok", params, "en")

    assert ok.subject == "Service level: the drop is over — Main"
    assert "Too few inbound calls in the last hour to measure it." in ok.lines

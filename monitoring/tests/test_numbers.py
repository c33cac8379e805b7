"""One subscriber, however the PBX wrote the number; anonymous stays empty."""

import pytest

from monitoring.numbers import national_number, normalize_number


@pytest.mark.parametrize(
    ("raw", "normalized", "national"),
    [
        ("+998 90 123 45 67", "+998901234567", "901234567"),
        ("998901234567", "998901234567", "901234567"),
        ("901234567", "901234567", "901234567"),
        ("+998 (90) 123-45-67", "+998901234567", "901234567"),
        ("00998901234567", "+998901234567", "901234567"),
        ("8 90 123 45 67", "8901234567", "901234567"),
        ("0901234567", "0901234567", "901234567"),
        ("901234567*12", "901234567", "901234567"),
        ("901234567,,1", "901234567", "901234567"),
        ("+998901234567#", "+998901234567", "901234567"),
        ("901234567;ext=5", "901234567", "901234567"),
        ("901234567 ext 12", "901234567", "901234567"),
        ("sip:+998901234567@10.0.0.1", "+998901234567", "901234567"),
        (998901234567, "998901234567", "901234567"),
        ("+7 916 123-45-67", "+79161234567", "+79161234567"),
        ("101", "101", "101"),
        ("*97", "97", "97"),
        ("", "", ""),
        ("   ", "", ""),
        (None, "", ""),
        ("anonymous", "", ""),
        ("Anonymous", "", ""),
        ("Unknown", "", ""),
        ("sip:anonymous@example.uz", "", ""),
        (True, "", ""),
    ],
)
def test_numbers_normalize_to_one_subscriber(raw, normalized, national):
    assert normalize_number(raw) == normalized
    assert national_number(raw) == national


def test_the_same_caller_matches_in_every_written_form():
    forms = ["+998 90 123 45 67", "998901234567", "901234567", "901234567*12", "901234567,,1"]
    assert {national_number(form) for form in forms} == {"901234567"}

"""The prefix table: each Uzbek network and region, other Uzbek numbers, foreign and withheld
numbers, in every written form a PBX passes on."""

import pytest

from monitoring.analytics.prefixes import ORIGINS, label, origin, origin_of_head

TABLE = {
    "beeline": ["90", "91"],
    "ucell": ["93", "94", "50"],
    "uzmobile": ["77", "95", "99"],
    "mobiuz": ["88", "97"],
    "humans": ["33"],
    "perfectum": ["98"],
    "tashkent_city": ["71"],
    "tashkent_region": ["70"],
    "karakalpakstan": ["61"],
    "khorezm": ["62"],
    "bukhara": ["65"],
    "samarkand": ["66"],
    "sirdaryo": ["67"],
    "namangan": ["69"],
    "jizzakh": ["72"],
    "fergana": ["73"],
    "andijan": ["74"],
    "kashkadarya": ["75"],
    "surkhandarya": ["76"],
    "navoiy": ["79"],
}
CASES = [(f"+998 {prefix} 123 45 67", code) for code, group in TABLE.items() for prefix in group]


@pytest.mark.parametrize(("number", "code"), CASES)
def test_each_prefix_names_its_network_or_region(number, code):
    assert origin(number) == code


@pytest.mark.parametrize(
    "written", ["+998901234567", "998901234567", "00998901234567", "901234567", "8901234567"]
)
def test_every_written_form_of_a_number_has_the_same_origin(written):
    assert origin(written) == "beeline"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("+998 55 123 45 67", "other"),  # a prefix not in the table
        ("+998 12 345", "other"),  # malformed +998
        ("1050", "other"),  # a short service number
        ("+7 916 123 45 67", "foreign"),
        ("+44 20 7946 0000", "foreign"),
        ("", "withheld"),
        ("anonymous", "withheld"),
    ],
)
def test_other_numbers(number, code):
    assert origin(number) == code


def test_the_table_is_the_documented_one_and_names_every_origin():
    assert {code: list(prefixes) for code, (_k, _l, prefixes) in ORIGINS.items() if prefixes} == (
        TABLE
    )
    assert all(label(code) for code in ORIGINS)


@pytest.mark.parametrize(
    ("head", "length", "code"),
    [("9012", 9, "beeline"), ("+998", 10, "other"), ("+791", 12, "foreign"), ("", 0, "withheld")],
)
def test_a_number_s_head_and_length_decide_its_origin(head, length, code):
    assert origin_of_head(head, length) == code

"""The product's management commands explain themselves, every option included, in the language of
the run, like every page does."""

import re

import pytest
from django.core.management import get_commands, load_command_class
from django.utils.translation import override

PRODUCT_APPS = ("accounts", "callcenter", "providers", "monitoring")
# Options every Django command has; Django translates their help itself.
DJANGO_OPTIONS = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}
PRODUCT_COMMANDS = sorted(name for name, app in get_commands().items() if app in PRODUCT_APPS)


def explanations(name: str, language: str) -> dict[str, str]:
    """The command's description and each of its own options' help, as `--help` prints them."""
    with override(language):
        command = load_command_class(get_commands()[name], name)
        parser = command.create_parser("manage.py", name)
        texts = {"description": str(parser.description or "")}
        for action in parser._actions:
            if action.dest not in DJANGO_OPTIONS:
                texts[action.dest] = str(action.help or "")
    return texts


def test_the_product_has_commands_to_check():
    assert {"purge_calls", "rotate_encryption_key", "kerio_simulator", "ensure_admin"} <= set(
        PRODUCT_COMMANDS
    )
    assert "demo_pbx" in PRODUCT_COMMANDS


@pytest.mark.parametrize("name", PRODUCT_COMMANDS)
def test_every_option_is_explained(name):
    assert {dest: text for dest, text in explanations(name, "en").items() if not text} == {}


@pytest.mark.parametrize("name", PRODUCT_COMMANDS)
def test_the_help_is_russian_in_a_russian_run(name):
    untranslated = {
        dest: text
        for dest, text in explanations(name, "ru").items()
        if not re.search("[\u0400-\u04ff]", text)  # Cyrillic
    }
    assert untranslated == {}


@pytest.mark.parametrize("name", PRODUCT_COMMANDS)
def test_the_help_is_uzbek_in_an_uzbek_run(name):
    english, uzbek = explanations(name, "en"), explanations(name, "uz")
    assert {dest: text for dest, text in uzbek.items() if text == english[dest]} == {}

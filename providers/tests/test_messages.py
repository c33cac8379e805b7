"""Stored messages keep what happened and are worded in each reader's own language."""

import pytest
from django.template import Context, Template
from django.utils.translation import override
from django.utils.translation.trans_real import translation

from providers.kerio import errors
from providers.messages import MESSAGES, from_error, message, words


def every_kerio_error():
    found, pending = [], [errors.KerioError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("cls", every_kerio_error(), ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_every_kerio_error_is_worded_later_as_it_would_have_been_then(cls, language):
    error = cls("detail", code=1002, server_message="Neverno")
    stored = from_error(error)
    assert stored["code"] == f"kerio.{cls.__name__}"
    with override(language):
        assert words(stored) == str(error.user_message)


def test_a_login_failure_keeps_the_pbxs_words_verbatim_in_every_language():
    stored = from_error(errors.LoginFailed(code=-32000, server_message="Invalid credentials"))
    with override("ru"):
        russian = words(stored)
    with override("en"):
        english = words(stored)
    with override("uz"):
        uzbek = words(stored)
    assert russian.startswith("Не удалось войти")  # noqa: RUF001
    assert russian.endswith("Invalid credentials")
    assert english.startswith("Login failed") and english.endswith("Invalid credentials")
    assert uzbek.startswith("Kirish muvaffaqiyatsiz") and uzbek.endswith("Invalid credentials")


def test_a_product_message_with_a_stored_message_inside():
    stored = message(
        "check.step_failed",
        step=message("check.step.login"),
        error=from_error(errors.HostNotFound()),
    )
    with override("en"):
        assert words(stored) == (
            "Log in: The server name could not be found. Check the host name or use the IP address."
        )
    with override("uz"):
        assert words(stored).startswith("Kirish: Server nomi topilmadi.")


def test_parameters_are_worded_into_the_template():
    with override("ru"):
        assert words(message("record.negative", field="CALL_DURATION")) == (
            "Значение CALL_DURATION отрицательно."
        )


def test_text_stored_before_codes_is_shown_as_it_was():
    assert words("Kirish muvaffaqiyatsiz: eski matn") == "Kirish muvaffaqiyatsiz: eski matn"
    assert words("") == "" and words({}) == "" and words(None) == ""


def test_parameters_that_no_longer_fit_the_words_are_shown_not_raised():
    stored = {"code": "record.negative", "params": {"column": "CALL_DURATION"}}
    with override("en"):
        assert words(stored) == "%(field)s is negative. {'column': 'CALL_DURATION'}"


def test_an_unknown_code_is_refused_when_stored_and_shown_as_its_code():
    with pytest.raises(KeyError):
        message("no.such.code")
    assert words({"code": "from.a.newer.version"}) == "from.a.newer.version"


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_every_template_is_in_the_catalogue(language):
    catalog = translation(language)._catalog
    assert [code for code, template in MESSAGES.items() if template._args[0] not in catalog] == []


def test_templates_word_it_through_the_message_filter():
    html = Template("{% load stored_messages %}{{ error|message }}").render(
        Context({"error": message("sync.interrupted")})
    )
    assert html == "The run was interrupted: its process stopped before it finished."

import pytest


@pytest.fixture(autouse=True)
def _english(settings):
    """The pages' words are asserted in English, whatever the catalogues say."""
    settings.LANGUAGE_CODE = "en"

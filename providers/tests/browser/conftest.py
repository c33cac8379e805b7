import pytest


@pytest.fixture
def page(admin_page_en):
    """These tests read English labels."""
    return admin_page_en

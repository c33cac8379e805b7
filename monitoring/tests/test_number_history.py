"""One number's history: every call with that external number, however it was written."""

import re

import pytest
from django.urls import reverse

from monitoring.models import CallStatus
from monitoring.tests.factories import DAY, local, make_call


def shown_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-call="(\d+)">', response.content.decode())]


@pytest.mark.parametrize("written", ["901234567", "998901234567", "+998901234567", "0901234567"])
def test_it_shows_the_calls_of_the_number_however_the_url_writes_it(admin_client, pbx, written):
    newer = make_call(pbx, local(DAY, 12), external_number="901234567")
    older = make_call(pbx, local(DAY, 9), external_number="901234567", status=CallStatus.BUSY)
    make_call(pbx, external_number="935554433")
    response = admin_client.get(reverse("number_history", args=[written]))
    assert shown_ids(response) == [newer.pk, older.pk]
    summary = response.context["summary"]
    assert (summary["total"], summary["answered"], summary["missed"]) == (2, 1, 1)
    assert 'id="number-total">2<' in response.content.decode()


def test_it_pages_the_history(admin_client, pbx):
    for minute in range(30):
        make_call(pbx, local(DAY, 10, minute), external_number="901234567")
    first = admin_client.get(reverse("number_history", args=["901234567"]), {"per_page": "25"})
    last = admin_client.get(
        reverse("number_history", args=["901234567"]), {"per_page": "25", "page": "2"}
    )
    assert len(shown_ids(first)) == 25
    assert len(shown_ids(last)) == 5
    assert not set(shown_ids(first)) & set(shown_ids(last))


def test_a_text_that_is_no_number_says_so(admin_client, pbx):
    response = admin_client.get(reverse("number_history", args=["anonymous"]))
    assert response.status_code == 200
    assert "This is not a phone number." in response.content.decode()


def test_a_bad_page_size_falls_back_to_the_default(admin_client, pbx):
    make_call(pbx, external_number="901234567")
    response = admin_client.get(
        reverse("number_history", args=["901234567"]), {"per_page": "abc", "page": "x"}
    )
    assert response.status_code == 200
    assert len(shown_ids(response)) == 1

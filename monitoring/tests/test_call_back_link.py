"""From a call's detail, the way back is to the list as the reader left it: its filters, sort
and page."""

import re
from html import unescape
from urllib.parse import quote, urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from monitoring.models import CallStatus
from monitoring.tests.factories import DAY, day_query, local, make_call, make_pbx

pytestmark = pytest.mark.django_db


def _back_link(html: str) -> str:
    return unescape(re.search(r'href="([^"]*)" id="back-to-calls"', html).group(1))


def test_the_back_link_returns_to_the_lists_filters_and_page(admin_client):
    pbx = make_pbx()
    for minute in range(3):
        make_call(pbx, local(DAY, 10, minute), status=CallStatus.BUSY)
    query = day_query(status="busy", per_page="25", page="1", sort="-duration")
    page = admin_client.get(reverse("call_list"), query).content.decode()
    link = unescape(re.search(r'href="(/calls/\d+/\?back=[^"]+)"', page).group(1))
    back = _back_link(admin_client.get(link).content.decode())
    path, _sep, kept = back.partition("?")
    assert path == reverse("call_list")
    assert QueryDict(kept) == QueryDict(urlencode(query))


def test_without_a_list_behind_it_goes_to_the_plain_list(admin_client):
    call = make_call(make_pbx(), local(DAY, 10))
    html = admin_client.get(reverse("call_detail", args=[call.pk])).content.decode()
    assert _back_link(html) == reverse("call_list")


def test_the_back_link_leads_nowhere_but_the_calls_list(admin_client):
    call = make_call(make_pbx(), local(DAY, 10))
    url = reverse("call_detail", args=[call.pk]) + "?back=" + quote("https://evil.example/")
    back = _back_link(admin_client.get(url).content.decode())
    assert back.partition("?")[0] == reverse("call_list")

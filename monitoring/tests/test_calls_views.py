"""The Calls page: filters in the URL, errors as form errors, sorting, pages, links."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from monitoring.filters import DEFAULT_PAGE_SIZE
from monitoring.models import CallStatus, Direction
from monitoring.tests.factories import DAY, day_query, local, make_call, make_pbx

URL = reverse("call_list")


def shown_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-call="(\d+)">', response.content.decode())]


def test_it_shows_exactly_the_filtered_calls(admin_client, pbx):
    wanted = make_call(pbx, status=CallStatus.BUSY, direction=Direction.INBOUND)
    make_call(pbx, status=CallStatus.ANSWERED, direction=Direction.INBOUND)
    make_call(pbx, status=CallStatus.BUSY, direction=Direction.OUTBOUND)
    response = admin_client.get(URL, day_query(status="busy", direction="inbound"))
    assert response.status_code == 200
    assert shown_ids(response) == [wanted.pk]
    assert "<strong>1</strong> call" in response.content.decode()


def test_it_shows_the_total_count_of_all_pages(admin_client, pbx):
    for minute in range(30):
        make_call(pbx, local(DAY, 10, minute))
    response = admin_client.get(URL, day_query(per_page="25"))
    assert len(shown_ids(response)) == 25
    assert "<strong>30</strong> calls" in response.content.decode()


@pytest.mark.parametrize("size", [25, 50, 100, 200])
def test_it_shows_the_chosen_page_size(admin_client, pbx, size):
    for minute in range(size + 1):
        make_call(pbx, local(DAY, 1 + minute // 60, minute % 60))
    response = admin_client.get(URL, day_query(per_page=str(size)))
    assert len(shown_ids(response)) == size
    assert response.context["page"].paginator.num_pages == 2


@pytest.mark.parametrize("with_filters", [True, False], ids=["filtered", "bare URL"])
def test_without_a_chosen_size_the_default_is_shown_as_chosen(admin_client, pbx, with_filters):
    response = admin_client.get(URL, day_query() if with_filters else {})
    assert response.context["page"].paginator.per_page == DEFAULT_PAGE_SIZE
    # Filtering again from this form keeps the size the page shows.
    assert f'<option value="{DEFAULT_PAGE_SIZE}" selected>' in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page(admin_client, pbx):
    calls = [make_call(pbx, local(DAY, 10, minute)) for minute in range(30)]
    response = admin_client.get(URL, day_query(per_page="25", page="999"))
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert shown_ids(response) == [call.pk for call in reversed(calls[:5])]


def test_a_garbage_page_number_shows_the_first_page(admin_client, pbx):
    newest = make_call(pbx, local(DAY, 23))
    response = admin_client.get(URL, day_query(page="abc"))
    assert response.status_code == 200
    assert shown_ids(response)[0] == newest.pk


@pytest.mark.parametrize(
    "params",
    [
        {"status": "exploded"},
        {"direction": "up"},
        {"sort": "price"},
        {"per_page": "100000"},
        {"min_duration": "many"},
        {"period": "custom", "start": "2026-13-45", "end": "2026-03-01"},
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"},
        {"period": "forever"},
        {"number": "9" * 500},
    ],
)
def test_invalid_filters_show_a_form_error_not_a_crash(admin_client, pbx, params):
    make_call(pbx)
    response = admin_client.get(URL, {**day_query(), **params})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert response.context["page"] is None
    assert shown_ids(response) == []


def test_the_form_keeps_the_filters_of_the_url(admin_client, pbx):
    params = day_query(status="busy", direction="outbound", extension="102", number="90 12")
    params.update(min_duration="30", sort="-duration", per_page="100")
    response = admin_client.get(URL, params)
    html = response.content.decode()
    assert '<option value="busy" selected>' in html
    assert '<option value="outbound" selected>' in html
    assert 'name="extension" value="102"' in html
    assert 'name="number" value="90 12"' in html
    assert 'name="min_duration" value="30"' in html
    assert '<option value="custom" selected>' in html
    assert f'name="start" value="{DAY.isoformat()}"' in html


def test_page_and_sort_links_keep_every_filter(admin_client, pbx):
    for minute in range(30):
        make_call(pbx, local(DAY, 10, minute), status=CallStatus.BUSY)
    params = day_query(status="busy", per_page="25")
    response = admin_client.get(URL, params)
    hrefs = [unescape(h) for h in re.findall(r'href="(\?[^"]*)"', response.content.decode())]
    next_link = next(h for h in hrefs if parse_qs(h[1:]).get("page") == ["2"])
    sort_link = next(h for h in hrefs if "sort=" in h)
    for link in (next_link, sort_link):
        query = parse_qs(urlsplit(link).query)
        assert query["status"] == ["busy"]
        assert query["period"] == ["custom"]
        assert query["start"] == [DAY.isoformat()]
    second = admin_client.get(URL + next_link)
    assert len(shown_ids(second)) == 5


def test_the_export_links_carry_the_filters(admin_client, pbx):
    response = admin_client.get(URL, day_query(status="busy"))
    html = unescape(response.content.decode())
    csv_link = re.search(r'href="(/calls/export\.csv\?[^"]*)"', html).group(1)
    assert parse_qs(urlsplit(csv_link).query)["status"] == ["busy"]


def test_every_number_links_to_its_history(admin_client, pbx):
    make_call(pbx, from_number="+998 90 123 45 67", external_number="901234567")
    html = admin_client.get(URL, day_query()).content.decode()
    assert 'href="/numbers/901234567/"' in html
    assert "/calls/?extension=101" in unescape(html)


def test_the_page_needs_no_query_per_row(admin_client, pbx, django_assert_max_num_queries):
    for minute in range(40):
        make_call(pbx, local(DAY, 10, minute))
    other = make_pbx("Branch", host="branch.example.uz")
    for minute in range(10):
        make_call(other, local(DAY, 11, minute))
    with django_assert_max_num_queries(12):
        response = admin_client.get(URL, day_query(per_page="200"))
    assert len(shown_ids(response)) == 50
    assert "Branch" in response.content.decode()


def test_it_defaults_to_today(admin_client, pbx):
    from django.utils import timezone

    today = make_call(pbx, timezone.now())
    make_call(pbx, local(DAY, 12))
    response = admin_client.get(URL)
    assert shown_ids(response) == [today.pk]

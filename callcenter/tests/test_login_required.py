"""Every page but the login page asks an anonymous visitor to sign in first."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter

# Pages anyone may open. A wallboard link carries its own secret instead of a sign-in (its
# refusals: monitoring/tests/test_wallboard_links.py); so does a request to the JSON API (its
# refusals: api/tests/test_auth.py), whose description is public.
API = {"api_calls", "api_call", "api_callbacks", "api_figures", "api_live", "api_openapi"}
PUBLIC = {"login", "set_language", "wallboard_link", *API}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin has its own login; tested below
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry


def _example_url(name, pattern):
    converters = pattern.pattern.converters
    kwargs = {}
    examples = {"[0-9]+": 1, UUIDConverter.regex: "00000000-0000-4000-8000-000000000000"}
    for key, converter in converters.items():
        kwargs[key] = examples.get(converter.regex, "901234567")
    return reverse(name, kwargs=kwargs)


PAGES = sorted(
    (name, _example_url(name, pattern)) for name, pattern in _named_patterns() if name not in PUBLIC
)


def test_it_knows_some_pages():
    assert len(PAGES) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), PAGES)
def test_it_sends_anonymous_visitors_to_login(client, name, url):
    response = client.get(url)
    assert response.status_code == 302, name
    assert response["Location"].startswith(reverse("login")), name


@pytest.mark.django_db
def test_it_serves_the_login_page_to_anyone(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.mark.django_db
def test_it_keeps_the_admin_behind_its_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]

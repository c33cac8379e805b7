"""The API tests' helpers: a token of a user, and GET requests that present it."""

import pytest
from django.test import Client

from api.tokens import create_token


@pytest.fixture
def token_of():
    """token_of(user): a new token of `user`, its secret."""

    def make(user, name="CRM"):
        _row, secret = create_token(name, user)
        return secret

    return make


@pytest.fixture
def api(private_cache):
    """api(path, token, **params): GET `path` presenting `token` (None: no header); the
    response. Each test has its own cache, so rate limits start afresh."""
    client = Client()

    def get(path, token=None, headers=None, **params):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return client.get(path, params, headers=headers)

    get.client = client
    return get

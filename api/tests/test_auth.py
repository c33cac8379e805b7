"""A request reads the API only with an active token of an active user, sent as a bearer token;
the token is stored as a hash, and refusals answer JSON in the request's language."""

import hashlib

import pytest
from django.db import connection
from django.test import Client

from accounts.models import AuditEntry
from api.models import ApiToken
from api.tokens import create_token

pytestmark = pytest.mark.django_db

CALLS = "/api/calls/"


def refusal(response) -> str:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    return response.json()["error"]["code"]


def test_it_answers_a_valid_token(api, token_of, supervisor_user):
    response = api(CALLS, token_of(supervisor_user))
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert response["Cache-Control"] == "private, no-store"


def test_it_refuses_a_request_without_a_token(api):
    assert refusal(api(CALLS)) == "missing_token"


def test_it_refuses_another_scheme_and_a_wrong_token(api, token_of, supervisor_user):
    secret = token_of(supervisor_user)
    assert refusal(api(CALLS, headers={"Authorization": f"Token {secret}"})) == "malformed_token"
    assert refusal(api(CALLS, "not-a-token")) == "malformed_token"
    wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert refusal(api(CALLS, wrong)) == "unknown_token"


def test_it_refuses_a_revoked_token_at_once(api, token_of, supervisor_user):
    secret = token_of(supervisor_user)
    assert api(CALLS, secret).status_code == 200
    ApiToken.objects.get().revoke()
    assert refusal(api(CALLS, secret)) == "revoked_token"


def test_it_refuses_the_token_of_a_switched_off_user(api, token_of, supervisor_user):
    secret = token_of(supervisor_user)
    supervisor_user.is_active = False
    supervisor_user.save()
    assert refusal(api(CALLS, secret)) == "inactive_user"


def test_a_signed_in_session_is_not_a_token(supervisor_client):
    assert refusal(supervisor_client.get(CALLS)) == "missing_token"


def test_a_user_without_a_role_is_refused(api, token_of, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-Long-pass-1")
    response = api(CALLS, token_of(nobody))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.default_language
def test_it_speaks_uzbek_by_default_and_the_requested_language_otherwise(api):
    uzbek = api(CALLS).json()["error"]["message"]
    russian = api(CALLS, headers={"Accept-Language": "ru"}).json()["error"]["message"]
    english = api(CALLS, headers={"Accept-Language": "en"}).json()["error"]["message"]
    assert english == "Send an API token in the header “Authorization: Bearer <token>”."
    assert "API" in uzbek and uzbek not in (english, russian)
    assert "API" in russian and russian != english


def test_the_token_is_stored_only_as_its_sha256_and_a_prefix(supervisor_user, api):
    row, secret = create_token("CRM", supervisor_user)
    assert api(CALLS, secret).status_code == 200
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row.prefix) and len(row.prefix) < len(secret) // 3
    assert len(secret) >= 40  # 32 random bytes, URL-safe base64, and the mark
    with connection.cursor() as cursor:
        for table in ("api_apitoken", "accounts_auditentry"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            assert secret not in repr(cursor.fetchall()), table


def test_it_notes_when_a_token_was_last_used(api, token_of, supervisor_user):
    secret = token_of(supervisor_user)
    assert ApiToken.objects.get().last_used_at is None
    api(CALLS, secret)
    assert ApiToken.objects.get().last_used_at is not None
    # A use is not a change: the audit log has the creation only.
    entries = AuditEntry.objects.filter(object_type="api.ApiToken")
    assert list(entries.values_list("action", flat=True)) == ["create"]


def test_refusals_are_audited_once_a_minute_per_token(api, token_of, supervisor_user):
    secret = token_of(supervisor_user)
    ApiToken.objects.get().revoke()
    for _ in range(3):
        api(CALLS, secret)
    api(CALLS, "kcm_" + "x" * 43)
    api(CALLS)  # no token at all: not a token's use
    refused = AuditEntry.objects.filter(action=AuditEntry.Action.API_REFUSED).order_by("id")
    reasons = [(entry.changes["reason"], entry.object_repr) for entry in refused]
    row = ApiToken.objects.get()
    assert reasons == [("revoked_token", str(row)), ("unknown_token", "")]
    assert refused[0].changes["prefix"] == row.prefix
    assert refused[0].changes["path"] == CALLS


def test_a_token_makes_at_most_the_configured_requests_a_minute(api, token_of, supervisor_user,
                                                                 settings):  # fmt: skip
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    secret = token_of(supervisor_user)
    statuses = [api(CALLS, secret).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    if statuses[3] == 200:  # the minute turned between two requests: the next one is refused
        statuses = [api(CALLS, secret).status_code for _ in range(3)][-1:]
    response = api(CALLS, secret)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    other = token_of(supervisor_user, name="BI")  # another token has its own count
    assert api(CALLS, other).status_code == 200


def test_a_browser_without_a_session_is_not_sent_to_the_login_page():
    response = Client().get(CALLS)
    assert response.status_code == 401

"""What every API endpoint shares: GET only, a bearer token, the user's role, a rate limit, and
errors as JSON in the request's language (Accept-Language; Uzbek by default)."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from accounts.roles import role_of
from accounts.rules import required_role
from accounts.throttle import client_address
from api import tokens

ALLOWED_METHODS = ("GET", "HEAD")

# Error code → its words. The code is what a program reads; the words are for a person.
ERRORS = {
    tokens.MISSING: _("Send an API token in the header “Authorization: Bearer <token>”."),
    tokens.MALFORMED: _("This is not an API token."),
    tokens.UNKNOWN: _("This API token does not exist."),
    tokens.REVOKED: _("This API token was revoked."),
    tokens.INACTIVE: _("The user this API token belongs to is switched off."),
    "forbidden": _("This token's user may not read this."),
    "method_not_allowed": _("The API only reads: use GET."),
    "rate_limited": _("Too many requests with this token; try again in %(seconds)d seconds."),
    "invalid_parameters": _("Some parameters are not valid."),
    "unknown_parameters": _("Unknown parameters: %(names)s."),
    "not_found": _("Not found, or not visible to this token's user."),
}


def error(status: int, code: str, fields: dict | None = None, **params) -> JsonResponse:
    """`{"error": {"code": …, "message": …}}`, with the fields' errors of a 400."""
    body = {"code": code, "message": str(ERRORS[code]) % params if params else str(ERRORS[code])}
    if fields:
        body["fields"] = fields
    return no_store(JsonResponse({"error": body}, status=status))


def no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


def method_not_allowed():
    response = error(405, "method_not_allowed")
    response["Allow"] = ", ".join(ALLOWED_METHODS)
    return response


def public(view):
    """An API view anyone may read (no token, no sign-in), by GET only."""

    @login_not_required
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ALLOWED_METHODS:
            return method_not_allowed()
        return view(request, *args, **kwargs)

    return wrapper


def endpoint(page: str):
    """An API view that reads what the page named `page` shows (accounts.rules: the same least
    role), for the user whose token the request presents; the view finds it in `request.user`."""

    def decorate(view):
        @login_not_required
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ALLOWED_METHODS:
                return method_not_allowed()
            presented = tokens.bearer(request)
            token, reason = tokens.find(presented)
            if reason:
                tokens.record_refusal(reason, presented, token, request.path,
                                      client_address(request))  # fmt: skip
                response = error(401, reason)
                response["WWW-Authenticate"] = 'Bearer realm="api"'
                return response
            wait = tokens.within_rate(token, settings.API_RATE_LIMIT_PER_MINUTE)
            if wait:
                response = error(429, "rate_limited", seconds=wait)
                response["Retry-After"] = str(wait)
                return response
            tokens.mark_used(token)
            if role_of(token.user) < required_role(page):
                return error(403, "forbidden")
            request.user = token.user
            request.api_token = token
            return no_store(view(request, *args, **kwargs))

        return wrapper

    return decorate

"""Request-scoped pieces: the acting user for the audit log, roles per URL, and the CSP header."""

import logging

from django.conf import settings
from django.shortcuts import render

from accounts.audit import current_user
from accounts.roles import role_of
from accounts.rules import required_role

logger = logging.getLogger(__name__)


class CurrentUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_user.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            current_user.reset(token)


class RoleRequiredMiddleware:
    """Each of our URLs names the least role that may open it (accounts.rules)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match  # the handler resolved the path just before
        if match.namespace == "admin" or not request.user.is_authenticated:
            return None  # the admin checks staff itself; anonymous users are sent to login
        needed = required_role(match.url_name)
        role = role_of(request.user)
        if role < needed:
            return refused(request, role, needed)
        return None


def refused(request, role, needed):
    """The styled 403 page, and one log line that says who was refused what (not the
    tracebacks of a raised PermissionDenied, which look like a crash)."""
    logger.warning(
        "Refused %s %s to %s: role %s, the page needs %s",
        request.method, request.path, request.user.get_username(), role.name.lower(),
        needed.name.lower(),
    )  # fmt: skip
    response = render(request, "403.html", status=403)
    response._has_been_logged = True  # Django's request log would add a second line
    return response


class ContentSecurityPolicyMiddleware:
    """A strict CSP: only our own scripts, styles and images; no inline scripts."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response

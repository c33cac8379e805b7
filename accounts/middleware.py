"""Request-scoped pieces: the acting user for the audit log, roles per URL, and the CSP header."""

from django.conf import settings
from django.core.exceptions import PermissionDenied

from accounts.audit import current_user
from accounts.roles import role_of
from accounts.rules import required_role


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
        if role_of(request.user) < needed:
            raise PermissionDenied
        return None


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

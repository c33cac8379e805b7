"""What the layout needs from accounts: which pages the signed-in user may open, so menus and
buttons show only those (the RoleRequiredMiddleware still guards every page)."""

from accounts.roles import role_of
from accounts.rules import required_role


class PagesAllowed:
    """`may_open.settings` in a template: True when the user's role reaches the page's rule."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, url_name: str) -> bool:
        return role_of(self.user) >= required_role(url_name)


def pages_allowed(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"may_open": {}}
    return {"may_open": PagesAllowed(user)}

"""Django's admin, opened to the Administrator role: superusers, and members of the
Administrator group (whose permissions the group holds) without the staff flag."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from accounts.roles import Role, role_of


class CallCenterAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return role_of(request.user) >= Role.ADMINISTRATOR


class CallCenterAdminConfig(AdminConfig):
    """Django's admin app with the site above (named in INSTALLED_APPS)."""

    default = False
    default_site = "accounts.admin_site.CallCenterAdminSite"

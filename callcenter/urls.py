from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from accounts.forms import ThrottledPasswordChangeForm

# The admin carries the product's name, like every other page.
admin.site.site_header = format_lazy("{} · Kerio Operator", _("Call center"))
admin.site.site_title = _("Call center")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(form_class=ThrottledPasswordChangeForm),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The language switcher works on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("settings/", include("accounts.urls")),
    path("settings/notifications/", include("alerts.urls")),
    path("settings/api-tokens/", include("api.page_urls")),
    path("settings/", include("providers.urls")),
    path("api/", include("api.urls")),
    path("", include("monitoring.urls")),
]

handler500 = "callcenter.views.server_error"

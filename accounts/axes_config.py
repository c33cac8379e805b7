"""django-axes, installed under a name the admin shows in the reader's language.

Its own module: a second AppConfig in accounts/apps.py would hide the accounts app's own."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignInProtectionConfig(AppConfig):
    verbose_name = _("Sign-in protection")

"""What a visitor sees after too many failed logins (django-axes calls this)."""

from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import ngettext

from accounts.throttle import lockout_minutes


def locked_out(request, credentials=None, *args, **kwargs):
    minutes = lockout_minutes()
    message = ngettext(
        "Too many failed attempts to sign in. Wait %(minutes)d minute and try again, "
        "or ask an administrator to unlock your account.",
        "Too many failed attempts to sign in. Wait %(minutes)d minutes and try again, "
        "or ask an administrator to unlock your account.",
        minutes,
    ) % {"minutes": minutes}
    context = {"form": AuthenticationForm(request), "lockout_message": message}
    return render(request, "registration/login.html", context, status=429)

"""The password-change form, throttled like sign-in (see accounts.throttle)."""

from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from accounts import throttle


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Refuses to check the current password after too many wrong ones, for a while."""

    def clean_old_password(self):
        if throttle.password_change_locked(self.user):
            minutes = throttle.lockout_minutes()
            raise ValidationError(
                ngettext(
                    "Too many wrong passwords. Wait %(minutes)d minute and try again.",
                    "Too many wrong passwords. Wait %(minutes)d minutes and try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        try:
            old_password = super().clean_old_password()
        except ValidationError:
            throttle.password_change_failed(self.user)
            raise
        throttle.password_change_succeeded(self.user)
        return old_password

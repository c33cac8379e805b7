"""The wallboard's administration forms: its thresholds, and a new link's name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.analytics.models import WallboardSettings


class WallboardSettingsForm(forms.ModelForm):
    class Meta:
        model = WallboardSettings
        fields = [
            "service_level_good",
            "service_level_warn",
            "waiting_warn",
            "waiting_bad",
            "wait_warn_seconds",
            "wait_bad_seconds",
            "missed_warn",
            "missed_bad",
        ]


class WallboardLinkForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the screen hangs, e.g. “Hall TV”."),
    )

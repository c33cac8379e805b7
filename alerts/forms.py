"""Forms of Settings → Notifications. Secrets (the bot token, the webhook's signing secret) are
write-only: never rendered back, an empty field keeps the stored value."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.audience import INCIDENT_KINDS
from alerts.digests.schedule import send_time
from alerts.models import Channel, Language, Rule
from providers.forms import WriteOnlyPasswordField

SECRETS = ("bot_token", "webhook_secret")


class ChannelForm(forms.ModelForm):
    bot_token = WriteOnlyPasswordField(label=_("Bot token"), required=False)
    webhook_secret = WriteOnlyPasswordField(label=_("Signing secret"), required=False)
    webhook_url = forms.URLField(
        label=_("Webhook URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Each event is POSTed here as signed JSON (see the README)."),
    )

    class Meta:
        model = Channel
        fields = ["kind", "name", "enabled", "bot_token", "webhook_url", "webhook_secret"]
        help_texts = {
            "kind": _("E-mail goes to the recipients' addresses through the mail server."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRETS:
            self.initial.pop(name, None)
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].help_text = _("Leave empty to keep the stored value.")

    def clean(self):
        cleaned = super().clean()
        for name in SECRETS:
            if not cleaned.get(name) and self.instance.pk:
                cleaned.pop(name, None)  # keep the stored value
        kind = cleaned.get("kind")
        if kind == Channel.Kind.TELEGRAM and not (
            cleaned.get("bot_token") or self.instance.bot_token
        ):
            self.add_error("bot_token", _("A Telegram channel needs the bot's token."))
        if kind == Channel.Kind.WEBHOOK:
            if not cleaned.get("webhook_url"):
                self.add_error("webhook_url", _("A webhook needs its URL."))
            if not (cleaned.get("webhook_secret") or self.instance.webhook_secret):
                self.add_error("webhook_secret", _("A webhook needs a signing secret."))
        return cleaned


# Each kind's own settings, shown on its form only.
RULE_SETTINGS = {
    Rule.Kind.MISSED_CALL: [],
    Rule.Kind.UNHEALTHY: [],
    Rule.Kind.CALLBACK_OVERDUE: ["overdue_minutes"],
    Rule.Kind.SERVICE_LEVEL: ["target_percent", "min_calls", "margin_percent", "recovery_minutes"],
    Rule.Kind.INBOUND_SILENCE: ["silence_minutes", "usual_calls", "history_weeks"],
}
ALL_SETTINGS = [name for names in RULE_SETTINGS.values() for name in names]


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = [
            "enabled",
            "channels",
            "recipients",
            *ALL_SETTINGS,
            "quiet_start",
            "quiet_end",
            "quiet_mode",
        ]
        widgets = {
            "channels": forms.CheckboxSelectMultiple,
            "recipients": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "quiet_start": _("Tashkent time. Leave both empty for no quiet hours."),
            "overdue_minutes": _(
                "Counted in working hours (Admin → Working hours): a call missed at 17:50 "
                "with hours until 18:00 is 30 minutes overdue at 09:20 the next working day. "
                "A callback someone has taken but not closed still counts."
            ),
            "min_calls": _("The last hour, rolling; only in working hours."),
            "history_weeks": _("Learned from the stored calls, Tashkent time."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.instance.kind
        for name in ALL_SETTINGS:
            if name not in RULE_SETTINGS.get(kind, []):
                self.fields.pop(name, None)
        self.fields["recipients"].queryset = get_user_model().objects.filter(is_active=True)
        if kind in INCIDENT_KINDS:
            self.fields["recipients"].help_text = _(
                "Only supervisors and administrators receive these messages."
            )
        elif kind in (Rule.Kind.MISSED_CALL, Rule.Kind.CALLBACK_OVERDUE):
            self.fields["recipients"].help_text = _(
                "Operators receive only the calls and callbacks of their own extensions. "
                "Business hours are the working hours of Admin → Working hours."
            )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("quiet_start") is None) != (cleaned.get("quiet_end") is None):
            self.add_error("quiet_end", _("Give both ends of the quiet hours, or neither."))
        return cleaned

    def save(self, commit=True):
        rule = super().save(commit=False)
        if rule.enabled and ("enabled" in self.changed_data or rule.enabled_at is None):
            # Switched on now: the rule looks at what happens from now on, not at the past.
            rule.enabled_at = timezone.now()
            rule.checked_until = None
        if commit:
            rule.save()
            self.save_m2m()
        return rule


class DigestRuleForm(RuleForm):
    """A digest: who gets it, through which channels, and when (Tashkent time)."""

    class Meta(RuleForm.Meta):
        fields = ["enabled", "channels", "recipients", "digest_time"]
        help_texts = {
            "digest_time": _(
                "Tashkent time. The daily digest covers the day from midnight up to this time, "
                "against the same hours a week before; at 00:00, the whole day before."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["digest_time"].required = True
        if self.initial.get("digest_time") is None:
            self.initial["digest_time"] = send_time(self.instance)


class WeeklyDigestRuleForm(DigestRuleForm):
    class Meta(DigestRuleForm.Meta):
        fields = ["enabled", "channels", "recipients", "digest_weekday", "digest_time"]
        help_texts = {
            "digest_time": _(
                "Tashkent time. The weekly digest covers the seven days before its day, against "
                "the seven days before those."
            ),
        }


def rule_form_class(rule: Rule) -> type[RuleForm]:
    return {
        Rule.Kind.DAILY_DIGEST: DigestRuleForm,
        Rule.Kind.WEEKLY_DIGEST: WeeklyDigestRuleForm,
    }.get(rule.kind, RuleForm)


class LinkCodeForm(forms.Form):
    """Whose Telegram chat the next code links."""

    user = forms.ModelChoiceField(
        label=_("User"), queryset=get_user_model().objects.filter(is_active=True)
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=Language.choices)

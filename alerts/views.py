"""Settings → Notifications: channels, rules, "Send a test", Telegram link codes, and the log of
what was sent. Administrators only (accounts.rules)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts import linking, outbox
from alerts.forms import ChannelForm, LinkCodeForm, rule_form_class
from alerts.models import Channel, Notification, Recipient, Rule


def all_rules() -> list[Rule]:
    """One rule per kind, made (switched off) the first time the page is opened."""
    for kind in Rule.Kind.values:
        Rule.objects.get_or_create(kind=kind)
    return list(Rule.objects.prefetch_related("channels", "recipients"))


def notification_settings(request):
    return render(
        request,
        "alerts/notification_settings.html",
        {
            "channels": Channel.objects.prefetch_related("chats__user"),
            "rules": all_rules(),
            "link_form": LinkCodeForm(initial={"user": request.user.pk}),
        },
    )


def notification_channel_create(request):
    return _channel_form(request, Channel())


def notification_channel_edit(request, pk):
    return _channel_form(request, get_object_or_404(Channel, pk=pk))


def _channel_form(request, channel: Channel):
    creating = channel.pk is None
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        channel = form.save()
        messages.success(request, _("Channel “%(name)s” was saved.") % {"name": channel.name})
        return redirect("notification_settings")
    heading = _("Add channel") if creating else channel.name
    return render(request, "alerts/settings_form.html", {"form": form, "heading": heading})


@require_POST
def notification_channel_test(request, pk):
    channel = get_object_or_404(Channel, pk=pk)
    result = outbox.send_test(channel, request.user)
    messages.info(request, f"{channel.name}: {result}")
    return redirect("notification_settings")


@require_POST
def notification_link_code(request, pk):
    channel = get_object_or_404(Channel, pk=pk, kind=Channel.Kind.TELEGRAM)
    form = LinkCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the user whose chat is to be linked."))
        return redirect("notification_settings")
    user = form.cleaned_data["user"]
    Recipient.objects.update_or_create(
        user=user, defaults={"language": form.cleaned_data["language"]}
    )
    code = linking.new_code(channel, user)
    messages.success(
        request,
        _(
            "Send the code %(code)s to the bot from the Telegram chat of %(user)s within "
            "30 minutes; the chat is then linked."
        )
        % {"code": code.code, "user": user.get_username()},
    )
    return redirect("notification_settings")


def notification_rule_edit(request, kind):
    if kind not in Rule.Kind.values:
        return redirect("notification_settings")
    rule, _created = Rule.objects.get_or_create(kind=kind)
    form = rule_form_class(rule)(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Rule “%(rule)s” was saved.") % {"rule": rule})
        return redirect("notification_settings")
    heading = rule.get_kind_display()
    return render(request, "alerts/settings_form.html", {"form": form, "heading": heading})


def notification_log(request):
    rows = Notification.objects.select_related("channel", "user")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "alerts/notification_log.html", {"page": page})

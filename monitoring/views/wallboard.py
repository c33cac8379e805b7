"""The wallboard: a full-screen page for the wall TV, refreshed by htmx, for signed-in supervisors
or through a secret read-only link; and the administrators' page for its thresholds and links."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import calls_visible_to
from monitoring.analytics import links
from monitoring.analytics.forms import WallboardLinkForm, WallboardSettingsForm
from monitoring.analytics.models import WallboardLink, WallboardSettings
from monitoring.analytics.wallboard import wallboard_figures
from monitoring.models import Call


def _context(figures_url: str, figures) -> dict:
    return {
        "figures": figures,
        "figures_url": figures_url,
        "refresh_seconds": settings.LIVE_POLL_SECONDS,
        "service_level_note": _("answered within %(seconds)d s")
        % {"seconds": figures.service_level_seconds},
    }


def _render(request, figures_url: str, calls=None):
    context = _context(figures_url, wallboard_figures(calls))
    template = "monitoring/wallboard.html"
    if request.htmx:
        template = "monitoring/partials/wallboard_figures.html"
    return render(request, template, context)


@require_GET
def wallboard(request):
    calls = calls_visible_to(request.user, Call.objects.all())
    return _render(request, reverse("wallboard"), calls)


@login_not_required
@never_cache
@require_GET
def wallboard_link(request, token):
    """The wallboard alone, for whoever has the link; nothing else opens with it."""
    if links.link_for_token(token) is None:
        raise Http404(_("This wallboard link does not exist or was revoked."))
    return _render(request, reverse("wallboard_link", kwargs={"token": token}))


@never_cache
def wallboard_settings(request):
    """Thresholds (POST `save`) and links (POST `create`); a new link's URL is shown once."""
    current = WallboardSettings.current()
    settings_form = WallboardSettingsForm(instance=current)
    link_form = WallboardLinkForm()
    new_url = ""
    if request.method == "POST" and "create" in request.POST:
        link_form = WallboardLinkForm(request.POST)
        if link_form.is_valid():
            _link, token = links.create_link(link_form.cleaned_data["name"])
            new_url = request.build_absolute_uri(reverse("wallboard_link", kwargs={"token": token}))
            link_form = WallboardLinkForm()
    elif request.method == "POST":
        settings_form = WallboardSettingsForm(request.POST, instance=current)
        if settings_form.is_valid():
            settings_form.save()
            return redirect("wallboard_settings")
    context = {
        "settings_form": settings_form,
        "link_form": link_form,
        "links": WallboardLink.objects.all(),
        "new_url": new_url,
    }
    return render(request, "monitoring/wallboard_settings.html", context)


@require_POST
def wallboard_link_revoke(request, pk):
    links.revoke_link(get_object_or_404(WallboardLink, pk=pk))
    return redirect("wallboard_settings")

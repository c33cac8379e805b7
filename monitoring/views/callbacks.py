"""The callbacks page: the queue of missed numbers to call back, its figures, and the buttons that
claim, assign and close a callback. The page refreshes its queue through htmx (`callback_list`
returns the partial alone) and, without JavaScript, by reloading itself."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monitoring.callbacks import actions, figures, queue
from monitoring.callbacks.hours import Clock
from monitoring.models import Callback, CallbackAction
from monitoring.periods import Preset, days_period, local_today
from monitoring.views.dashboard import callback_tiles

QUEUE_TARGET = "callback-queue"


class _Links:
    """A row's links, from URLs reversed once per page (a page lists fifty rows)."""

    def __init__(self):
        self.paths = {name: reverse(name, args=[0]) for name in
                      ("callback_claim", "callback_outcome", "callback_assign")}  # fmt: skip
        self.history = reverse("number_history", args=["0"])

    def of(self, name: str, pk: int) -> str:
        return self.paths[name].replace("/0/", f"/{pk}/")

    def history_of(self, number: str) -> str:
        if number.lstrip("+").isdigit():
            return self.history.replace("/0/", f"/{number}/")
        return reverse("number_history", args=[number])


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d.%m %H:%M") if value else ""


@dataclass
class Row:
    """A callback as the queue shows it: its times written out, its links, what the user may do."""

    callback: Callback
    waited: int | None
    may_act: bool
    first: str
    last: str
    closed: str
    history_url: str
    claim_url: str
    outcome_url: str
    assign_url: str


def _row(callback: Callback, user, clock: Clock, now, links: _Links) -> Row:
    waited = clock.seconds(callback.clock_starts_at, now) if callback.is_open else (
        callback.clock_seconds)  # fmt: skip
    pk = callback.pk
    return Row(
        callback, waited, queue.may_act(user, callback),
        _moment(callback.first_missed_at), _moment(callback.last_missed_at),
        _moment(callback.closed_at), links.history_of(callback.number),
        links.of("callback_claim", pk), links.of("callback_outcome", pk),
        links.of("callback_assign", pk),
    )  # fmt: skip


def queue_context(request) -> dict:
    now = timezone.now()
    form = queue.CallbackFilterForm(request.GET or None, user=request.user)
    listed = form.filter(Callback.objects.select_related("pbx", "owner", "closed_by"), now)
    page = Paginator(listed, queue.PAGE_SIZE).get_page(request.GET.get("page"))
    clock, links = Clock(), _Links()
    rows = [_row(callback, request.user, clock, now, links) for callback in page.object_list]
    today = local_today(now)
    period = days_period(today, today, Preset.TODAY)
    visible = queue.callbacks_visible_to(request.user, Callback.objects.all())
    may_assign = queue.may_assign(request.user)
    return {
        "form": form,
        "page": page,
        "rows": rows,
        "period": period,
        "tiles": callback_tiles(figures.figures(period, visible, clock=clock, now=now)),
        "may_assign": may_assign,
        "assignees": list(queue.assignable_users()) if may_assign else [],
        "outcomes": [(value, str(label)) for value, label in CallbackAction.Outcome.choices],
        "refresh_seconds": settings.CALLBACKS_REFRESH_SECONDS,
        "back": request.get_full_path(),
    }


def callback_list(request):
    context = queue_context(request)
    if request.htmx and request.htmx.target == QUEUE_TARGET:
        return render(request, "monitoring/partials/callback_queue.html", context)
    return render(request, "monitoring/callback_list.html", context)


def _back(request):
    """Back to the page the button was on (its filters), or the queue."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(reverse("callback_list"))


def _visible(request, pk) -> Callback:
    visible = queue.callbacks_visible_to(request.user, Callback.objects.all())
    return get_object_or_404(visible, pk=pk)


def _act(request, callback, do, done_message):
    if not queue.may_act(request.user, callback):
        messages.error(request, _("This callback belongs to someone else."))
        return _back(request)
    try:
        do()
    except actions.CallbackActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done_message % {"number": callback.number})
    return _back(request)


@require_POST
def callback_claim(request, pk):
    callback = _visible(request, pk)
    return _act(
        request,
        callback,
        lambda: actions.claim(callback, request.user),
        _("You will call %(number)s back."),
    )


@require_POST
def callback_outcome(request, pk):
    callback = _visible(request, pk)
    outcome, note = request.POST.get("outcome", ""), request.POST.get("note", "")
    if outcome not in CallbackAction.Outcome.values:
        messages.error(request, _("Choose how the call went."))
        return _back(request)
    return _act(
        request,
        callback,
        lambda: actions.record_outcome(callback, request.user, outcome, note),
        _("The outcome for %(number)s is recorded."),
    )


@require_POST
def callback_assign(request, pk):
    callback = _visible(request, pk)
    assignee = None
    if request.POST.get("assignee"):
        assignee = queue.assignable_users().filter(pk=request.POST["assignee"]).first()
        if assignee is None:
            messages.error(request, _("Choose someone to give the callback to."))
            return _back(request)
    return _act(
        request,
        callback,
        lambda: actions.assign(callback, request.user, assignee),
        _("The callback of %(number)s is assigned.") if assignee
        else _("The callback of %(number)s is nobody's now."),
    )  # fmt: skip

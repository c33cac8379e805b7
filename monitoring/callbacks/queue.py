"""What the callbacks page lists, for whom, and who may act on a callback.

Operators see the unassigned callbacks and their own; supervisors and administrators see all and
filter them by state, owner, age and PBX.
"""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import GROUP_NAMES, Role, role_of
from monitoring.models import Callback, CallbackState
from providers.models import PbxConnection

PAGE_SIZE = 50
UNASSIGNED = "none"
MINE = "me"
AGES = {
    "": None,
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
}


def callbacks_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Restrict a Callback queryset to what `user` may see."""
    role = role_of(user)
    if role >= Role.SUPERVISOR:
        return queryset
    if role == Role.OPERATOR:
        return queryset.filter(Q(owner__isnull=True) | Q(owner=user))
    return queryset.none()


def may_assign(user) -> bool:
    return role_of(user) >= Role.SUPERVISOR


def may_act(user, callback: Callback) -> bool:
    """Supervisors act on any callback; operators on the unassigned ones and their own."""
    if may_assign(user):
        return True
    return role_of(user) == Role.OPERATOR and callback.owner_id in (None, user.pk)


def assignable_users() -> QuerySet:
    """The people a supervisor can give a callback to: operators and supervisors."""
    names = [GROUP_NAMES[Role.OPERATOR], GROUP_NAMES[Role.SUPERVISOR]]
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=names)
        .distinct()
        .order_by("username")
    )


class CallbackFilterForm(forms.Form):
    """The page's filters; invalid or missing values mean "all" (open, for the state)."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            (CallbackState.OPEN, pgettext_lazy("callbacks filter", "Open")),
            (CallbackState.CLOSED, pgettext_lazy("callbacks filter", "Closed")),
            ("all", _("All")),
        ],
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    age = forms.ChoiceField(
        label=_("Waiting longer than"),
        required=False,
        choices=[("", _("Any")), ("15m", _("15 minutes")), ("1h", _("1 hour")), ("1d", _("1 day"))],
    )
    pbx = forms.ChoiceField(label=_("PBX"), required=False)

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        owners = [("", _("Anyone")), (UNASSIGNED, _("Nobody")), (MINE, _("Me"))]
        if may_assign(user):
            owners += [(str(u.pk), u.get_username()) for u in assignable_users()]
        else:
            del self.fields["pbx"]
        self.fields["owner"].choices = owners
        if "pbx" in self.fields:
            pbxes = PbxConnection.objects.order_by("name").values_list("pk", "name")
            self.fields["pbx"].choices = [("", _("All")), *((str(pk), n) for pk, n in pbxes)]

    def value(self, name: str) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data.get(name) or ""

    @property
    def chosen_state(self) -> str:
        return self.value("state") or CallbackState.OPEN

    def filter(self, queryset: QuerySet, now=None) -> QuerySet:
        """The visible callbacks the filters choose, in the page's order: open ones longest
        waiting first, closed ones most recently closed first."""
        queryset = callbacks_visible_to(self.user, queryset)
        state = self.chosen_state
        if state != "all":
            queryset = queryset.filter(state=state)
        owner = self.value("owner")
        if owner == UNASSIGNED:
            queryset = queryset.filter(owner__isnull=True)
        elif owner == MINE:
            queryset = queryset.filter(owner=self.user)
        elif owner:
            queryset = queryset.filter(owner_id=int(owner))
        age = AGES.get(self.value("age"))
        if age:
            queryset = queryset.filter(first_missed_at__lte=(now or timezone.now()) - age)
        if self.value("pbx"):
            queryset = queryset.filter(pbx_id=int(self.value("pbx")))
        if state == CallbackState.OPEN:
            return queryset.order_by("clock_starts_at", "id")
        if state == CallbackState.CLOSED:
            return queryset.order_by("-closed_at", "-id")
        return queryset.order_by("-first_missed_at", "-id")

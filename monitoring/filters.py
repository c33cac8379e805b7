"""The Calls page's filters: a form that reads the query string and the queryset it selects.

Every filter lives in the URL (GET), so a filtered page can be shared, bookmarked and exported.
The queryset touches indexed columns first (the period on `started_at`, then status, extension),
and loads only the columns the table shows.
"""

import re

from django import forms
from django.db import connections
from django.db.models import F, Func, Q, QuerySet, TextField
from django.db.models.lookups import IContains
from django.utils.translation import gettext_lazy as _

from monitoring import periods
from monitoring.models import Call, CallStatus, Direction
from monitoring.numbers import (
    COUNTRY_CODE,
    NSN_LENGTH,
    TRUNK_PREFIXES,
    national_number,
    normalize_number,
)
from monitoring.pbx_filter import pbx_field

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50

# URL value → ORDER BY. The id breaks ties so the order (and the pages) stay stable.
SORTS = {
    "-time": ("-started_at", "-id"),
    "time": ("started_at", "id"),
    "-duration": ("-total_seconds", "-started_at", "-id"),
    "duration": ("total_seconds", "started_at", "id"),
}
SORT_CHOICES = [
    ("-time", _("Newest first")),
    ("time", _("Oldest first")),
    ("-duration", _("Longest first")),
    ("duration", _("Shortest first")),
]
DEFAULT_SORT = "-time"

# The columns the calls table (and the number history) shows; nothing else is loaded
# (views.calls.table_page adds the links and labels the table prints).
TABLE_COLUMNS = (
    "id",
    "pbx__name",
    "started_at",
    "direction",
    "from_number",
    "from_name",
    "to_number",
    "to_name",
    "extension",
    "external_number",
    "line",
    "status",
    "status_code",
    "total_seconds",
    "talk_seconds",
    "wait_seconds",
)

_NOT_DIGITS = re.compile(r"\D+")


def _blank_choice(choices):
    return [("", _("All")), *choices]


class CallFilterForm(forms.Form):
    """The filters of the Calls page, bound to `request.GET`; every field is optional.

    The period (`period`, `start`, `end`) is the dashboard's own PeriodForm, kept in
    `period_form` so both pages read the same parameters the same way. `pbxes`: the (id, name)
    of the PBXes the user may choose from (pbx_filter.pbxes_visible_to); with more than one,
    the form has a `pbx` field. None: no PBX field (the JSON API reads `pbx` itself).
    """

    direction = forms.ChoiceField(
        label=_("Direction"), choices=_blank_choice(Direction.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank_choice(CallStatus.choices), required=False
    )
    extension = forms.CharField(label=_("Extension"), max_length=32, required=False)
    number = forms.CharField(
        label=_("Number contains"),
        max_length=40,
        required=False,
        help_text=_("Either party; spaces, dashes and +998 are ignored."),
    )
    line = forms.CharField(
        label=_("Line dialled"),
        max_length=40,
        required=False,
        help_text=_("The company's number an inbound call dialled; +998 and spaces are ignored."),
    )
    min_duration = forms.IntegerField(
        label=_("Minimum duration, s"), min_value=0, max_value=7 * 86400, required=False
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(size, size) for size in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
        initial=DEFAULT_PAGE_SIZE,
    )

    def __init__(self, data=None, *args, now=None, pbxes=None, **kwargs):
        if data is not None and not data.get("per_page"):
            # The page size in effect is shown as chosen, so filtering again keeps it.
            data = data.copy()
            data["per_page"] = str(DEFAULT_PAGE_SIZE)
        super().__init__(data, *args, **kwargs)
        self.period_form = periods.PeriodForm(data, now=now, renderer=self.renderer)
        if pbxes is not None and len(pbxes) > 1:
            self.fields["pbx"] = pbx_field(pbxes)
            self.order_fields(["pbx"])

    def is_valid(self):
        # Both forms are validated so every error shows at once. The period form is unbound when
        # the query names no period (e.g. only ?page=2): that means today, which is valid.
        own = super().is_valid()
        period_ok = not self.period_form.is_bound or self.period_form.is_valid()
        return period_ok and own

    def clean_sort(self):
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def clean_extension(self):
        return self.cleaned_data.get("extension", "").strip()

    def clean_number(self):
        return self.cleaned_data.get("number", "").strip()

    def clean_line(self):
        return self.cleaned_data.get("line", "").strip()

    @property
    def filters(self) -> dict:
        """What `filter_calls` needs; only meaningful once `is_valid()` returned True."""
        return {**self.cleaned_data, "period": self.period_form.get_period()}


# The columns "Number contains" looks in, and (on PostgreSQL) the one text a trigram index covers.
SEARCH_COLUMNS = (
    "from_number",
    "to_number",
    "from_number_normalized",
    "to_number_normalized",
    "external_number",
)


class SearchText(Func):
    """A call's numbers in one text: ``from|to|from normalized|to normalized|external``.

    On PostgreSQL, migration 0003 indexes ``UPPER(<this>::text)`` with pg_trgm (GIN), which is
    exactly what ``IContains(SearchText(), text)`` compiles to, so a "contains" search reads the
    index instead of every row of the period. The SQL must stay the index's, character for
    character: the planner uses the index only for the same expression.
    """

    template = "(%(expressions)s)"
    arg_joiner = " || '|' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(*(F(column) for column in SEARCH_COLUMNS))


def _number_variants(text: str) -> set[str]:
    """The digits of `text`, and without the country code when it starts with 998."""
    digits = _NOT_DIGITS.sub("", text)
    variants = {digits} if digits else set()
    if digits.startswith("998") and len(digits) > 3:
        variants.add(digits[3:])
    return variants


def number_query(text: str) -> Q:
    """Calls where either party's number contains `text`, as typed or as digits.

    "90 123", "+998 90 123" and "99890123" all find 998901234567: the digits are matched
    against the raw numbers and the normalized ones, with and without the country code.
    """
    condition = Q(from_number__icontains=text) | Q(to_number__icontains=text)
    for variant in _number_variants(text):
        condition |= (
            Q(from_number__contains=variant)
            | Q(to_number__contains=variant)
            | Q(from_number_normalized__contains=variant)
            | Q(to_number_normalized__contains=variant)
            | Q(external_number__contains=variant)
        )
    return condition


def indexed_number_query(text: str) -> Q:
    """What the trigram index answers on PostgreSQL: calls whose SearchText contains `text` or one
    of its digit variants, case-insensitively.

    Every call `number_query` matches is among them (each column is a part of SearchText), and
    so is the odd call it does not match (a text spanning two numbers, such as "7|1"): that is
    why `filter_number` applies `number_query` as well, the exact test of the rows found.
    """
    patterns = dict.fromkeys([text, *sorted(_number_variants(text))])  # in order, once each
    condition = Q()
    for pattern in patterns:
        condition |= Q(IContains(SearchText(), pattern))
    return condition


def filter_number(calls: QuerySet, text: str) -> QuerySet:
    """The calls where either party's number contains `text` (see `number_query`)."""
    if connections[calls.db].vendor == "postgresql":
        calls = calls.filter(indexed_number_query(text))
    return calls.filter(number_query(text))


def line_forms(text: str) -> list[str]:
    """The forms a stored line (`Call.line`, normalized as the record wrote it) may take for the
    number `text`: as typed, and for an Uzbek number its 9 digits alone, after the country code
    (with or without "+") or after a trunk prefix."""
    forms_ = {normalize_number(text)}
    national = national_number(text)
    if len(national) == NSN_LENGTH and national.isdigit():
        forms_ |= {national, COUNTRY_CODE + national, f"+{COUNTRY_CODE}{national}"}
        forms_ |= {prefix + national for prefix in TRUNK_PREFIXES}
    forms_.discard("")
    return sorted(forms_)


def filter_calls(data: dict, queryset: QuerySet | None = None) -> QuerySet:
    """The calls matching a valid form's `cleaned_data`, in the chosen order."""
    calls = Call.objects.all() if queryset is None else queryset
    period = data.get("period")
    if period is not None:
        calls = calls.filter(started_at__gte=period.start, started_at__lt=period.end)
    if data.get("pbx"):
        calls = calls.filter(pbx_id=data["pbx"])
    if data.get("direction"):
        calls = calls.filter(direction=data["direction"])
    if data.get("status"):
        calls = calls.filter(status=data["status"])
    if data.get("extension"):
        calls = calls.filter(extension=data["extension"])
    if data.get("number"):
        calls = filter_number(calls, data["number"])
    if data.get("line"):
        calls = calls.filter(line__in=line_forms(data["line"]))
    if data.get("min_duration"):
        calls = calls.filter(total_seconds__gte=data["min_duration"])
    return calls.order_by(*SORTS[data.get("sort") or DEFAULT_SORT])


def number_calls(number: str, queryset: QuerySet | None = None) -> tuple[str, QuerySet]:
    """The normalized form of `number` and every call with that external party, newest first."""
    calls = Call.objects.all() if queryset is None else queryset
    normalized = national_number(number)
    return normalized, calls.filter(external_number=normalized).order_by(*SORTS["-time"])

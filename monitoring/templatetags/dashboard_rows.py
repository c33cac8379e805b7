"""The dashboard's two lists, row by row in Python: the missed numbers not called back and the
per-extension table.

They are refreshed with the statistics every sync interval. Printed by the template engine, each
cell cost a lookup through the context stack, localization and an escape, and each number a
`{% url %}`; here each row is one string of the same markup, every value escaped, numbers
printed as `{{ }}` prints them (localized) and moments in the current time zone.
"""

import re
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString

from monitoring.templatetags.monitoring_format import ago, duration

register = template.Library()

# What reverse() leaves as it is in a path: such a number is appended to the history's prefix.
_PLAIN_NUMBER = re.compile(r"\+?[0-9]+")


class _HistoryLinks:
    """`{% url 'number_history' number %}` for the numbers of one list, reversed once."""

    def __init__(self):
        self.prefix = reverse("number_history", args=["0"])[: -len("0/")]

    def __call__(self, number: str) -> str:
        if _PLAIN_NUMBER.fullmatch(number):
            return f"{self.prefix}{number}/"
        return reverse("number_history", args=[number])


def missed_row(missed, link: str) -> str:
    """One `<tr>` of the "Missed, not called back" list (a kpis.MissedNumber)."""
    number = escape(missed.number)
    name = f'<span class="quiet">{escape(missed.name)}</span>' if missed.name else ""
    local = timezone.localtime(missed.last_missed_at)
    return (
        f'<tr data-number="{number}">\n'
        f'          <th scope="row"><a href="{escape(link)}">{number}</a>\n'
        f"            {name}</th>\n"
        f'          <td class="ago"><time datetime="{local.isoformat()}" '
        f'title="{escape(date_format(local, "DATETIME_FORMAT"))}">'
        f"{escape(ago(missed.last_missed_at))}</time></td>\n"
        f"        </tr>"
    )


@register.simple_tag
def missed_rows(missed_numbers) -> SafeString:
    """The `<tr>` of every missed number, in order."""
    link = _HistoryLinks()
    rows = (missed_row(missed, link(missed.number)) for missed in missed_numbers)
    return SafeString("\n        ".join(rows))


def extension_row(row: dict) -> str:
    """One `<tr>` of the per-extension table (a row of kpis.dashboard_figures)."""
    extension = escape(str(localize(row["extension"])))
    return (
        f'<tr data-extension="{extension}">\n'
        f'          <th scope="row">{extension}</th>\n'
        f'          <td class="num">{escape(str(localize(row["calls"])))}</td>\n'
        f'          <td class="num">{escape(str(localize(row["answered"])))}</td>\n'
        f'          <td class="num">{escape(str(localize(row["missed"])))}</td>\n'
        f'          <td class="num">{escape(duration(row["talk"]))}</td>\n'
        f'          <td class="num">{escape(duration(row["average_talk"]))}</td>\n'
        f"        </tr>"
    )


@register.simple_tag
def extension_rows(extensions) -> SafeString:
    """The `<tr>` of every extension, in order."""
    return SafeString("\n        ".join(extension_row(row) for row in extensions))

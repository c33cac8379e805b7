"""The calls table's body rows, written in Python.

A page shows up to 200 calls of ten cells each. Printed by the template engine, every cell is a
variable lookup through the context stack, an `{% if %}` and an escape: about 3 ms for 50 rows,
more than the page's SQL. Here each row is one string built from the values
`views.calls.table_page` prepared, every value escaped (``html.escape``, which is what Django's
``escape`` applies too). The markup is the one the template wrote; `partials/calls_number.html`
still writes a party's number on the call's own page.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from monitoring.templatetags.monitoring_format import EMPTY

register = template.Library()


def party_cell(number: str, link: str | None, name: str) -> str:
    """One party of a call: its number (linked when it has somewhere to go) and its name."""
    if number and link:
        html = f'<a href="{escape(link)}" class="number">{escape(number)}</a>'
    elif number:
        html = f'<span class="number">{escape(number)}</span>'
    else:
        html = f'<span class="quiet">{EMPTY}</span>'
    if name:
        name = escape(name)
        html += f'<span class="name" title="{name}">{name}</span>'
    return f'<div class="party">{html}</div>'


def call_row(call: dict, details_title: str) -> str:
    """One `<tr>` of the table from a `table_page` row; `details_title` is printed as it is."""
    return (
        f'<tr data-call="{call["pk"]}">\n'
        f'      <td><a href="{escape(call["detail_url"])}" title="{details_title}">'
        f"{escape(call['time'])}</a></td>\n"
        f'      <td><span class="dir dir-{escape(call["direction"])}">'
        f"{escape(call['direction_label'])}</span></td>\n"
        f"      <td>{party_cell(call['from_number'], call['from_link'], call['from_name'])}</td>\n"
        f"      <td>{party_cell(call['to_number'], call['to_link'], call['to_name'])}</td>\n"
        f"      <td>{escape(call['extension'])}</td>\n"
        f'      <td><span class="status status-{escape(call["status"])}" '
        f'title="{escape(call["status_title"])}">{escape(call["status_label"])}</span></td>\n'
        f'      <td class="num">{escape(call["wait"])}</td>\n'
        f'      <td class="num">{escape(call["talk"])}</td>\n'
        f'      <td class="num">{escape(call["total"])}</td>\n'
        f"      <td>{escape(call['pbx'])}</td>\n"
        f"    </tr>"
    )


@register.simple_tag
def call_rows(rows) -> SafeString:
    """The `<tr>` of every row, in order (nothing when there are none)."""
    details_title = gettext("Call details")  # a translation: trusted, as {% translate %} is
    return SafeString("\n    ".join(call_row(call, details_title) for call in rows))

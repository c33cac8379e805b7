"""The calls table's sortable column headers."""

from django import template

register = template.Library()


@register.inclusion_tag("monitoring/partials/calls_sort_header.html", takes_context=True)
def sort_header(context, key: str, label: str) -> dict:
    """A header that sorts the table by `key`: longest or newest first, then the other way round
    once it is the current sort, marked ▼ (descending) or ▲ (ascending)."""
    sort = context.get("sort")
    if sort == f"-{key}":
        next_sort, mark = key, "▼"
    elif sort == key:
        next_sort, mark = f"-{key}", "▲"
    else:
        next_sort, mark = f"-{key}", ""
    return {"request": context.get("request"), "label": label, "sort": next_sort, "mark": mark}

"""The activity chart's bars, written in Python.

A chart has 72 bars (a day: 3 for each of 24 hours) to 1,098 (a year of days), each a `<rect>`
of seven values and a `<title>`. Printed by the template engine, every value cost a lookup
through the context stack, localization and an escape: about 2 ms for a day's chart. Here each
bar is one string, its numbers printed as `{% localize off %}` prints them (`str()`: a dot for
decimals, no grouping) and its texts escaped.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString

register = template.Library()


def bar_svg(bar) -> str:
    """One bar of `charts.Chart.bars` as its `<rect>`."""
    series = escape(bar.series)
    return (
        f'<rect class="bar bar-{series}" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
        f'height="{bar.height}"\n'
        f'            data-series="{series}" data-value="{bar.value}">'
        f"<title>{escape(bar.title)}</title></rect>"
    )


@register.simple_tag
def chart_bars(bars) -> SafeString:
    """The `<rect>` of every bar, in order."""
    return SafeString("\n      ".join(bar_svg(bar) for bar in bars))

"""A form renderer that writes inputs, selects and error lists in Python.

Django renders each widget through its template engine: a select is one template, each of its
options another, and every option's attributes a third. The Calls page's filter bar (ten fields,
some thirty options, an error list each) cost more that way than the page's SQL. For the
templates it knows, `PythonWidgetRenderer` writes the HTML those templates write, from the context
the widget built (so attributes, ids, `aria-*`, translations and values are Django's own); every
other template goes to Django's renderer. The tests hold both outputs equal, character for
character.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
# Each of these is `{% include "django/forms/widgets/input.html" %}` in Django.
INPUTS = {
    f"{WIDGETS}{name}.html"
    for name in (
        *("input", "text", "number", "email", "url", "password", "hidden", "date"),
        *("datetime", "time", "search", "tel", "color"),
    )
}
SELECT = f"{WIDGETS}select.html"
SELECT_OPTION = f"{WIDGETS}select_option.html"
ERROR_LISTS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}


def printed(value) -> str:
    """What ``{{ value }}`` prints: localized, then escaped unless it is already safe."""
    return conditional_escape(localize(value))


def as_string(value) -> str:
    """What ``{{ value|stringformat:'s' }}`` prints: ``str()``, escaped unless already safe."""
    return value if isinstance(value, SafeData) else conditional_escape(f"{value}")


def attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `` name="value"`` each; True alone, False left out."""
    html = ""
    for name, value in attrs.items():
        if value is False:
            continue
        html += f" {printed(name)}"
        if value is not True:
            html += f'="{as_string(value)}"'
    return html


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{as_string(widget["value"])}"'
    return (
        f'<input type="{printed(widget["type"])}" name="{printed(widget["name"])}"'
        f"{value}{attributes(widget['attrs'])}>"
    )


def option_html(option: dict) -> str:
    """django/forms/widgets/select_option.html (with the line break that file ends with)."""
    return (
        f'<option value="{as_string(option["value"])}"{attributes(option["attrs"])}>'
        f"{printed(option['label'])}</option>\n"
    )


def select_html(widget: dict) -> str | None:
    """django/forms/widgets/select.html; None when an option has a template of its own."""
    html = f'<select name="{printed(widget["name"])}"{attributes(widget["attrs"])}>'
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html += f'\n  <optgroup label="{printed(group_name)}">'
        for option in options:
            if option["template_name"] != SELECT_OPTION:
                return None
            html += f"\n  {option_html(option)}"
        if group_name:
            html += "\n  </optgroup>"
    return html + "\n</select>"


def error_list_html(errors, error_class: str) -> str:
    """django/forms/errors/list/ul.html (which default.html includes)."""
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attribute = f' id="{printed(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{printed(error)}</li>" for error in errors)
    return f'<ul class="{printed(error_class)}"{id_attribute}>{items}</ul>'


class PythonWidgetRenderer(DjangoTemplates):
    """Django's default form renderer, with inputs, selects and error lists written in Python."""

    def render(self, template_name, context, request=None):
        html = None
        if template_name in INPUTS:
            html = input_html(context["widget"])
        elif template_name == SELECT:
            html = select_html(context["widget"])
        elif template_name in ERROR_LISTS:
            html = error_list_html(context["errors"], context["error_class"])
        if html is None:
            return super().render(template_name, context, request=request)
        return html.strip()


renderer = PythonWidgetRenderer()

"""HTML written in Python for speed is the HTML Django's templates write.

The calls table's rows, the chart's bars, the dashboard's two lists and the filter forms' widgets
are written in Python (templatetags/calls_table.py, activity_chart.py, dashboard_rows.py,
form_renderer.py). Each is checked here against the template markup it replaced, rendered by
Django, with values that need escaping, in two languages.
"""

import re
from datetime import UTC, datetime

import pytest
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe

from monitoring import form_renderer
from monitoring.charts import Bar
from monitoring.filters import CallFilterForm
from monitoring.kpis import MissedNumber
from monitoring.periods import PeriodForm
from monitoring.templatetags.activity_chart import chart_bars
from monitoring.templatetags.calls_table import call_rows
from monitoring.templatetags.dashboard_rows import extension_rows, missed_rows

HOSTILE = '<b>"O\'Neil" & co</b>'


def same_markup(html: str) -> str:
    """The markup without the whitespace between tags (where loops and joins differ)."""
    return re.sub(r">\s+<", "><", html).strip()


def template_of(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.fixture(params=["en", "ru"])
def language(request):
    with translation.override(request.param):
        yield request.param


# -- The calls table ------------------------------------------------------------------------------

CALL_ROW_TEMPLATE = """{% load i18n %}{% translate 'Call details' as details_title %}
{% for call in rows %}
    <tr data-call="{{ call.pk }}">
      <td><a href="{{ call.detail_url }}" title="{{ details_title }}">{{ call.time }}</a></td>
      <td><span class="dir dir-{{ call.direction }}">{{ call.direction_label }}</span></td>
      <td><div class="party">{% if call.from_number and call.from_link %}<a href="{{ call.from_link }}" class="number">{{ call.from_number }}</a>{% elif call.from_number %}<span class="number">{{ call.from_number }}</span>{% else %}<span class="quiet">—</span>{% endif %}{% if call.from_name %}<span class="name" title="{{ call.from_name }}">{{ call.from_name }}</span>{% endif %}</div></td>
      <td><div class="party">{% if call.to_number and call.to_link %}<a href="{{ call.to_link }}" class="number">{{ call.to_number }}</a>{% elif call.to_number %}<span class="number">{{ call.to_number }}</span>{% else %}<span class="quiet">—</span>{% endif %}{% if call.to_name %}<span class="name" title="{{ call.to_name }}">{{ call.to_name }}</span>{% endif %}</div></td>
      <td>{{ call.extension }}</td>
      <td><span class="status status-{{ call.status }}" title="{{ call.status_title }}">{{ call.status_label }}</span></td>
      <td class="num">{{ call.wait }}</td>
      <td class="num">{{ call.talk }}</td>
      <td class="num">{{ call.total }}</td>
      <td>{{ call.pbx }}</td>
    </tr>
{% endfor %}"""  # noqa: E501 - the template's own lines


def table_row(pk, **values):
    row = {
        "pk": pk,
        "detail_url": f"/calls/{pk}/",
        "time": "2025-03-10 09:15:00",
        "direction": "inbound",
        "direction_label": "Inbound",
        "from_number": "998901234567",
        "from_link": "/numbers/901234567/",
        "from_name": "",
        "to_number": "101",
        "to_link": "/calls/?extension=101&period=month",
        "to_name": "Reception",
        "extension": "101",
        "status": "answered",
        "status_label": "Answered",
        "status_title": "Kerio 4",
        "wait": "0:05",
        "talk": "1:02:05",
        "total": "1:02:10",
        "pbx": "Main",
    }
    return row | values


TABLE_ROWS = [
    table_row(1),
    table_row(2, from_name=HOSTILE, to_number=HOSTILE, to_link=None, pbx=HOSTILE),
    table_row(3, from_number="", from_link=None, to_link="/calls/?a=1&b=<2>", status_title=""),
    table_row(4, direction='x" onclick="y', status="<s>", extension="—", time=HOSTILE),
]


def test_the_calls_rows_are_the_templates(language):
    expected = template_of(CALL_ROW_TEMPLATE, rows=TABLE_ROWS)
    assert same_markup(call_rows(TABLE_ROWS)) == same_markup(expected)


def test_no_call_no_row():
    assert call_rows([]) == ""


# -- The dashboard --------------------------------------------------------------------------------

BAR_TEMPLATE = """{% load l10n %}{% localize off %}{% for bar in bars %}
      <rect class="bar bar-{{ bar.series }}" x="{{ bar.x }}" y="{{ bar.y }}" width="{{ bar.width }}" height="{{ bar.height }}"
            data-series="{{ bar.series }}" data-value="{{ bar.value }}"><title>{{ bar.title }}</title></rect>
{% endfor %}{% endlocalize %}"""  # noqa: E501 - the template's own lines

BARS = [
    Bar("inbound_answered", 12, 48.2, 242.4, 13.6, 9.6, "09:00\u201310:00 — Inbound answered: 12"),
    Bar("outbound", 1234, 1001.5, 0.0, 0.5, 1234.0, HOSTILE),
    Bar("inbound_missed", 0, 60, 252, 13.6, 0, "title"),
]


def test_the_chart_bars_are_the_templates(language):
    expected = template_of(BAR_TEMPLATE, bars=BARS)
    assert same_markup(chart_bars(BARS)) == same_markup(expected)


MISSED_TEMPLATE = """{% load monitoring_format %}{% for missed in missed_numbers %}
        <tr data-number="{{ missed.number }}">
          <th scope="row"><a href="{% url 'number_history' missed.number %}">{{ missed.number }}</a>
            {% if missed.name %}<span class="quiet">{{ missed.name }}</span>{% endif %}</th>
          <td class="ago"><time datetime="{{ missed.last_missed_at|date:'c' }}" title="{{ missed.last_missed_at|date:'DATETIME_FORMAT' }}">{{ missed.last_missed_at|ago }}</time></td>
        </tr>
{% endfor %}"""  # noqa: E501 - the template's own lines


def test_the_missed_rows_are_the_templates(language):
    missed = [
        MissedNumber("901234567", "", datetime(2025, 3, 10, 23, 30, tzinfo=UTC)),
        MissedNumber("+79161234567", HOSTILE, datetime(2024, 1, 1, 4, 5, tzinfo=UTC)),
        MissedNumber("1 2<3>", "Лола", datetime(2025, 3, 10, 3, 0, tzinfo=UTC)),
    ]
    expected = template_of(MISSED_TEMPLATE, missed_numbers=missed)
    assert "/numbers/1%202%3C3%3E/" in expected
    assert same_markup(missed_rows(missed)) == same_markup(expected)


EXTENSION_TEMPLATE = """{% load monitoring_format %}{% for row in extensions %}
        <tr data-extension="{{ row.extension }}">
          <th scope="row">{{ row.extension }}</th>
          <td class="num">{{ row.calls }}</td>
          <td class="num">{{ row.answered }}</td>
          <td class="num">{{ row.missed }}</td>
          <td class="num">{{ row.talk|duration }}</td>
          <td class="num">{{ row.average_talk|duration }}</td>
        </tr>
{% endfor %}"""


def test_the_extension_rows_are_the_templates(language):
    extensions = [
        {"extension": "101", "calls": 12345, "answered": 3, "missed": 0, "talk": 3725,
         "average_talk": 12.5},
        {"extension": HOSTILE, "calls": 1, "answered": 0, "missed": 1, "talk": 0,
         "average_talk": None},
    ]  # fmt: skip
    expected = template_of(EXTENSION_TEMPLATE, extensions=extensions)
    assert same_markup(extension_rows(extensions)) == same_markup(expected)


# -- The filter forms' widgets --------------------------------------------------------------------

FORM_DATA = [
    {},
    {"period": "month", "sort": "duration", "per_page": "100", "status": "no_answer"},
    {"period": "custom", "start": "2025-03-01", "end": "2025-03-31", "direction": "inbound",
     "extension": HOSTILE[:32], "number": "+998 90", "min_duration": "30"},
    {"period": "custom", "start": "2025-03-31", "end": "bad", "direction": "sideways",
     "min_duration": "-1", "per_page": "7", "number": "x" * 41},
    {"period": "custom"},
]  # fmt: skip


def rendered_fields(form) -> list[str]:
    """Every field's widget and error list, and the forms' own errors, as the page prints them."""
    fields = [*form.period_form, *form] if isinstance(form, CallFilterForm) else [*form]
    html = [f"{field}|{field.errors}" for field in fields]
    html.append(str(form.non_field_errors()))
    if isinstance(form, CallFilterForm):
        html.append(str(form.period_form.non_field_errors()))
    return html


@pytest.mark.parametrize("data", FORM_DATA)
def test_the_filter_forms_widgets_are_djangos(language, data):
    def both(renderer):
        calls = CallFilterForm(data or None, renderer=renderer)
        calls.is_valid()
        period = PeriodForm(data or None, renderer=renderer)
        period.is_valid()
        return rendered_fields(calls) + rendered_fields(period)

    assert both(form_renderer.renderer) == both(DjangoTemplates())


def test_the_forms_write_their_widgets_in_python():
    form = CallFilterForm({})
    assert form.renderer is form_renderer.renderer
    assert form.period_form.renderer is form_renderer.renderer


WIDGET_CONTEXTS = {
    "django/forms/widgets/select.html": {
        "widget": {
            "name": 'a"b',
            "attrs": {"id": "id_x", "required": True, "disabled": False, "data-x": 0},
            "optgroups": [
                (None, [{"value": "", "label": "—", "attrs": {"selected": True},
                         "template_name": form_renderer.SELECT_OPTION}], 0),
                ("Group <1>", [{"value": 2, "label": 2, "attrs": {},
                                "template_name": form_renderer.SELECT_OPTION},
                               {"value": mark_safe("<i>"), "label": mark_safe("<i>safe</i>"),
                                "attrs": {}, "template_name": form_renderer.SELECT_OPTION}], 1),
            ],
        }
    },
    "django/forms/widgets/number.html": {
        "widget": {"type": "number", "name": "n", "value": None, "attrs": {"min": 0, "max": 10}}
    },
    "django/forms/widgets/text.html": {
        "widget": {"type": "text", "name": "t", "value": HOSTILE, "attrs": {"autofocus": True}}
    },
    "django/forms/errors/list/default.html": {
        "errors": type("Errors", (list,), {"field_id": "id_<x>"})([HOSTILE, "two"]),
        "error_class": "errorlist nonfield",
    },
}  # fmt: skip


@pytest.mark.parametrize("template_name", WIDGET_CONTEXTS)
def test_each_template_it_knows_is_written_as_django_writes_it(template_name):
    context = WIDGET_CONTEXTS[template_name]
    ours = form_renderer.renderer.render(template_name, context)
    assert ours == DjangoTemplates().render(template_name, context)


def test_an_option_with_a_template_of_its_own_goes_to_django(monkeypatch):
    context = WIDGET_CONTEXTS["django/forms/widgets/select.html"]
    option = {**context["widget"]["optgroups"][0][1][0], "template_name": "my/option.html"}
    widget = {**context["widget"], "optgroups": [(None, [option], 0)]}
    monkeypatch.setattr(DjangoTemplates, "render", lambda self, name, context, request=None: name)
    assert form_renderer.renderer.render(form_renderer.SELECT, {"widget": widget}) == (
        form_renderer.SELECT
    )

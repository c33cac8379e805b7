"""A digest's words, written when it is sent, in the recipient's language with Tashkent times:
a plain text, Telegram HTML (escaped), an HTML e-mail, and the period's calls as an XLSX
attachment made at that moment."""

import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from alerts.digests import figures as digest_figures
from alerts.digests.schedule import Span, period
from alerts.messages import Message
from monitoring.export_xlsx import CONTENT_TYPE, write_xlsx
from monitoring.kpis import calls_in
from monitoring.periods import local_zone

DAILY = "daily_digest"


@dataclass
class Row:
    """A figure against the compared period."""

    label: str
    value: str
    previous: str
    change: str


@dataclass
class Section:
    heading: str
    lines: list[str]


@dataclass
class DigestMessage(Message):
    compared_with: str = ""
    rows: list[Row] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)

    def _row_text(self, row: Row) -> str:
        return _("%(label)s: %(value)s (%(compared)s: %(previous)s, %(change)s)") % {
            "label": row.label, "value": row.value, "compared": self.compared_with,
            "previous": row.previous, "change": row.change,
        }  # fmt: skip

    @property
    def text(self) -> str:
        lines = [self.subject, "", *map(self._row_text, self.rows)]
        for section in self.sections:
            lines += ["", section.heading, *(f"- {line}" for line in section.lines)]
        return "\n".join([*lines, *(["", *self.lines] if self.lines else [])])

    @property
    def telegram_html(self) -> str:
        lines = [f"<b>{escape(self.subject)}</b>", "", *map(escape, map(self._row_text, self.rows))]
        for section in self.sections:
            lines += ["", f"<b>{escape(section.heading)}</b>"]
            lines += [f"• {escape(line)}" for line in section.lines]
        return "\n".join(lines)

    @property
    def html(self) -> str:
        return render_to_string("alerts/digest_email.html", {"message": self})


def _local(moment, pattern: str) -> str:
    return timezone.localtime(moment, local_zone()).strftime(pattern)


def _number(value) -> str:
    return "—" if value is None else str(value)


def _percent(value) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _seconds(value) -> str:
    return "—" if value is None else _("%(seconds)s s") % {"seconds": round(value)}


def _change(now, before, unit: str = "") -> str:
    if now is None or before is None:
        return "—"
    delta = round(now - before)
    return f"{delta:+d}{unit}" if delta else "±0"


def _rows(current, previous) -> list[Row]:
    rows = []
    for label, name, shown, unit in (
        (_("Inbound calls"), "inbound", _number, ""),
        (_("Answered"), "answered", _number, ""),
        (_("Missed"), "missed", _number, ""),
        (_("Service level"), "service_level", _percent, "%"),
        (_("Average wait"), "average_wait", _seconds, ""),
        (_("Outbound calls"), "outbound", _number, ""),
    ):
        now, before = getattr(current, name), getattr(previous, name)
        rows.append(Row(label, shown(now), shown(before), _change(now, before, unit)))
    return rows


def _sections(found: digest_figures.Figures) -> list[Section]:
    missed = [
        f"{number}{f' ({name})' if name else ''} — {_local(at, '%d.%m %H:%M')}"
        for number, name, at in found.missed_numbers
    ]
    if found.missed_not_called_back > len(missed):
        missed.append(
            _("and %(count)s more") % {"count": found.missed_not_called_back - len(missed)}
        )
    hours = [
        _("%(start)02d:00–%(end)02d:00: %(count)s calls")  # noqa: RUF001 - an en dash
        % {"start": hour, "end": (hour + 1) % 24, "count": count}
        for hour, count in found.busiest_hours
    ]
    callers = [
        _("%(number)s: %(calls)s calls, %(missed)s missed")
        % {"number": number, "calls": calls, "missed": missed_count}
        for number, calls, missed_count in found.top_callers
    ]
    return [
        Section(
            _("Missed and not called back: %(count)s") % {"count": found.missed_not_called_back},
            missed,
        ),
        Section(_("Busiest hours"), hours or [_("No inbound calls.")]),
        Section(_("Top callers"), callers or [_("No number called twice.")]),
    ]


def attachment(span: Span, user) -> tuple[str, bytes, str] | None:
    """The period's calls the recipient may see, as an XLSX file (headers in the active
    language, times in Tashkent); None for more than DIGEST_ATTACHMENT_MAX_ROWS calls, which
    would hold the worker too long (about 1,700 rows a second)."""
    calls = calls_in(period(span.start, span.end), digest_figures.visible_calls(user))
    if calls.count() > settings.DIGEST_ATTACHMENT_MAX_ROWS:
        return None
    target = io.BytesIO()
    write_xlsx(calls.order_by("started_at", "id"), target)
    first = _local(span.start, "%Y-%m-%d")
    last = _local(span.end - timedelta(microseconds=1), "%Y-%m-%d")
    name = f"calls-{first}.xlsx" if first == last else f"calls-{first}-{last}.xlsx"
    return name, target.getvalue(), CONTENT_TYPE


def render(event: str, params: dict, language: str, user=None, with_attachment=False):
    """The digest of `params` (its span) for `user`, in the active language."""
    span = Span.from_params(params)
    found = digest_figures.figures(span, user)
    last_day = span.end - timedelta(microseconds=1)
    if event == DAILY:
        subject = _("Daily digest: %(day)s, until %(time)s") % {
            "day": _local(span.start, "%d.%m.%Y"), "time": _local(span.end, "%H:%M")
        }  # fmt: skip
        if _local(span.end, "%H:%M") == "00:00":
            subject = _("Daily digest: %(day)s") % {"day": _local(span.start, "%d.%m.%Y")}
        compared = _("a week before")
    else:
        subject = _("Weekly digest: %(first)s – %(last)s") % {  # noqa: RUF001 - an en dash
            "first": _local(span.start, "%d.%m.%Y"), "last": _local(last_day, "%d.%m.%Y")
        }  # fmt: skip
        compared = _("the week before")
    message = DigestMessage(
        subject=subject,
        lines=[],
        compared_with=compared,
        rows=_rows(found.current, found.previous),
        sections=_sections(found),
    )
    if with_attachment:
        if (attached := attachment(span, user)) is not None:
            message.attachments.append(attached)
            message.lines.append(_("The calls of the period are attached (XLSX)."))
        else:
            message.lines.append(
                _("The period has too many calls to attach: export them from the Calls page.")
            )
    return message, found

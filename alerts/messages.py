"""The words of a notification, written when it is sent, in its recipient's language, with times
on the Tashkent clock. The outbox stores only the event's code and parameters."""

from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from alerts.buttons import site_link


@dataclass
class Message:
    subject: str
    lines: list[str]
    buttons: list = field(default_factory=list)
    # A page to open (the site's public address, with SITE_URL), shown under the lines in e-mail.
    link: str = ""
    link_label: str = ""

    @property
    def text(self) -> str:
        link = ["", f"{self.link_label}: {self.link}"] if self.link else []
        return "\n".join([self.subject, "", *self.lines, *link])

    @property
    def telegram_html(self) -> str:
        return "\n".join([f"<b>{escape(self.subject)}</b>", *map(escape, self.lines)])

    @property
    def html(self) -> str:
        return render_to_string("alerts/email.html", {"message": self})


def shown_time(value: str) -> str:
    """A stored ISO moment on the local clock."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return f"{timezone.localtime(moment):%d.%m.%Y %H:%M}"


def in_language(values, language: str) -> str:
    """A text stored in every language (a dict by code), or once."""
    if isinstance(values, dict):
        return values.get(language) or values.get("en") or next(iter(values.values()), "")
    return str(values or "")


def _missed_call(params: dict, language: str) -> Message:
    caller = params.get("number") or _("a hidden number")
    if params.get("name"):
        caller = f"{params['name']} ({caller})"
    line = params.get("line") or ""
    if params.get("line_name"):
        line = f"{params['line_name']} ({line})"
    return Message(
        subject=_("Missed call from %(caller)s") % {"caller": caller},
        link=site_link("callback_list"),
        link_label=_("Open the callbacks page"),
        lines=[
            _("Time: %(time)s") % {"time": shown_time(params.get("started_at"))},
            _("Attempts today: %(count)s") % {"count": params.get("attempts", 1)},
            _("Line called: %(line)s") % {"line": line or "—"},
            _("PBX: %(pbx)s") % {"pbx": params.get("pbx", "")},
        ],
    )


def _unhealthy(params: dict, language: str) -> Message:
    label = in_language(params.get("label"), language)
    lines = [in_language(params.get("reason"), language)]
    if action := in_language(params.get("action"), language):
        lines.append(action)
    lines.append(_("Since: %(time)s") % {"time": shown_time(params.get("opened_at"))})
    subject = _("Problem: %(check)s") % {"check": label}
    if params.get("pbx"):
        subject = f"{subject} — {params['pbx']}"
    return Message(subject, lines)


def _recovered(params: dict, language: str) -> Message:
    label = in_language(params.get("label"), language)
    subject = _("Recovered: %(check)s") % {"check": label}
    if params.get("pbx"):
        subject = f"{subject} — {params['pbx']}"
    return Message(
        subject,
        [
            _("The problem began at %(start)s and ended at %(end)s.")
            % {
                "start": shown_time(params.get("opened_at")),
                "end": shown_time(params.get("resolved_at")),
            }
        ],
    )


def _test(params: dict, language: str) -> Message:
    return Message(
        _("Test message"),
        [
            _("Notifications through “%(channel)s” reach you.")
            % {"channel": params.get("channel", "")}
        ],
    )


RENDERERS = {
    "missed_call": _missed_call,
    "unhealthy": _unhealthy,
    "recovered": _recovered,
    "test": _test,
}


def render(event: str, params: dict, language: str) -> Message:
    with translation.override(language):
        return RENDERERS[event](params, language)

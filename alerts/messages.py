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


def _number(value) -> str:
    """62.5 → "62.5", 60.0 → "60"."""
    return f"{value:g}" if isinstance(value, int | float) else str(value or 0)


def _with_pbx(subject: str, params: dict) -> str:
    return f"{subject} — {params['pbx']}" if params.get("pbx") else subject


def _caller(params: dict) -> str:
    caller = params.get("number") or _("a hidden number")
    return f"{params['name']} ({caller})" if params.get("name") else caller


def _callback_overdue(params: dict, language: str) -> Message:
    owner = params.get("owner")
    return Message(
        _("Not called back yet: %(caller)s") % {"caller": _caller(params)},
        [
            _("Still open %(minutes)s working minutes after the missed call of %(time)s.")
            % {"minutes": params.get("minutes"), "time": shown_time(params.get("first_missed_at"))},
            _("Missed calls: %(count)s") % {"count": params.get("attempts", 1)},
            _("Taken by %(owner)s, not done yet.") % {"owner": owner}
            if owner
            else _("Nobody has taken it yet."),
            _("PBX: %(pbx)s") % {"pbx": params.get("pbx", "")},
        ],
    )


def _level_line(params: dict) -> str:
    return _(
        "Last hour: %(within)s of %(inbound)s inbound calls answered within %(seconds)s seconds."
    ) % {key: params.get(key) for key in ("within", "inbound", "seconds")}


def _service_level_low(params: dict, language: str) -> Message:
    subject = _("Service level %(level)s%% is below the target of %(target)s%%") % {
        "level": _number(params.get("level")),
        "target": params.get("target"),
    }
    return Message(
        _with_pbx(subject, params),
        [_level_line(params), _("Since: %(time)s") % {"time": shown_time(params.get("opened_at"))}],
    )


def _service_level_ok(params: dict, language: str) -> Message:
    now = params.get("recovery") or {}
    if now.get("level") is not None:
        subject = _("Service level recovered: %(level)s%%") % {"level": _number(now["level"])}
        state = _level_line(now)
    else:
        subject = _("Service level: the drop is over")
        state = _("Too few inbound calls in the last hour to measure it.")
    return Message(
        _with_pbx(subject, params),
        [
            _("Below the target from %(start)s to %(end)s.")
            % {
                "start": shown_time(params.get("opened_at")),
                "end": shown_time(params.get("resolved_at")),
            },
            state,
        ],
    )


def _inbound_silence(params: dict, language: str) -> Message:
    subject = _("No inbound calls for %(minutes)s minutes") % {"minutes": params.get("minutes")}
    last = params.get("last_call_at")
    return Message(
        _with_pbx(subject, params),
        [
            _(
                "This weekday and hour usually bring %(usual)s inbound calls (the median of the "
                "last %(weeks)s weeks)."
            )
            % {"usual": _number(params.get("usual")), "weeks": params.get("weeks")},
            _("Last inbound call: %(time)s") % {"time": shown_time(last)}
            if last
            else _("No inbound call recently."),
            _(
                "The SIP trunk or the inbound route is probably down: in Kerio Operator check that "
                "the trunk is “Registered” and the inbound route is on, then make a test call."
            ),
        ],
    )


def _inbound_resumed(params: dict, language: str) -> Message:
    arrived = (params.get("recovery") or {}).get("arrived_at")
    return Message(
        _with_pbx(_("Inbound calls are arriving again"), params),
        [
            _("The first inbound call after the silence came at %(time)s.")
            % {"time": shown_time(arrived or params.get("resolved_at"))},
            _("Silent since: %(time)s") % {"time": shown_time(params.get("silent_since"))},
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
    "callback_overdue": _callback_overdue,
    "service_level_low": _service_level_low,
    "service_level_ok": _service_level_ok,
    "inbound_silence": _inbound_silence,
    "inbound_resumed": _inbound_resumed,
    "test": _test,
}


def render(event: str, params: dict, language: str) -> Message:
    with translation.override(language):
        return RENDERERS[event](params, language)

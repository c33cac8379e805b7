"""Messages kept for later readers: stored as what happened, worded when shown.

A sync's error, a connection check's result, a live poll's failure and a rejected record's reason
are read later, by someone else, in their own language. So the database keeps what happened — a
code and its parameters, the PBX's own words among them, verbatim — and each page words it in
the reader's language with ``words()``. Stored (JSON)::

    {"code": "sync.interrupted"}
    {"code": "record.negative", "params": {"field": "CALL_DURATION"}}
    {"code": "check.step_failed", "params": {"step": {"code": "check.step.login"},
                                              "error": {"code": "kerio.LoginFailed", ...}}}

A parameter may itself be a stored message. The product's own messages are worded by the
templates below. An error of the Kerio client carries its own translatable words (the client
knows no database): its code names the error and ``text`` keeps the source text of its words, so
they too are translated when shown. Text stored before codes existed is shown as it was.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from providers.kerio.check import STEPS
from providers.kerio.errors import KerioError

MESSAGES = {
    # The connection check (Tekshirish).
    "check.connected": _("Connected: %(server)s"),
    "check.failed": _("The check failed."),
    "check.step_failed": _("%(step)s: %(error)s"),
    **{f"check.step.{code}": label for code, label in STEPS},
    # The call-history sync.
    "sync.disabled": _("The connection to this PBX is turned off in the settings."),
    "sync.interrupted": _("The run was interrupted: its process stopped before it finished."),
    "sync.timed_out": _(
        "Another run took this sync over: its process had stalled longer than its hold on the PBX "
        "lasts."
    ),
    "sync.internal_error": _("The sync stopped because of an internal error (%(error)s)."),
    # History records the sync could not understand.
    "record.not_object": _("The record is not a JSON object."),
    "record.no_timestamp": _("The record has no TIMESTAMP."),
    "record.timestamp_not_number": _("TIMESTAMP is not a number."),
    "record.timestamp_implausible": _("TIMESTAMP is not a plausible time in seconds."),
    "record.not_number": _("%(field)s is not a number."),
    "record.negative": _("%(field)s is negative."),
    "record.too_large": _("%(field)s is too large."),
    "record.not_text": _("%(field)s is not text."),
    "record.missing_field": _(
        "The record has no %(field)s field (missing or renamed); the product cannot do without it."
    ),
}


def message(code: str, **params) -> dict:
    """What happened, to store: one of MESSAGES' codes and the parameters its words need."""
    if code not in MESSAGES:
        raise KeyError(f"no message {code!r}")
    return {"code": code, "params": params} if params else {"code": code}


def from_error(exc: KerioError) -> dict:
    """A Kerio client's error, to store: its name, and its words' source text and parameters."""
    stored = {"code": f"kerio.{type(exc).__name__}"}
    source = _source(exc.user_message)
    if source is None:  # words built some other way: keep them as they read now
        stored["text"] = str(exc.user_message)
        return stored
    stored["text"], params = source
    if params:
        stored["params"] = params
    return stored


def words(stored) -> str:
    """The stored message in the active language; text stored before codes as it was."""
    if not stored:
        return ""
    if isinstance(stored, str):
        return stored
    params = {
        name: words(value) if isinstance(value, dict) else value
        for name, value in stored.get("params", {}).items()
    }
    template = MESSAGES.get(stored.get("code"))
    if template is not None:
        text = str(template)
    elif "text" in stored:
        text = gettext(stored["text"])
    else:  # a code this version does not know
        return stored.get("code", "")
    if not params:
        return text
    try:
        return text % params
    except (KeyError, TypeError, ValueError):  # words changed since it was stored: keep them
        return f"{text} {params}"


def admin_field(field: str, description):
    """For a ModelAdmin: a read-only field showing the model's stored message ``field`` worded."""

    def show(model_admin, obj) -> str:
        return words(getattr(obj, field))

    show.short_description = description
    return show


def _source(lazy_words) -> tuple[str, dict] | None:
    """The source text and parameters of lazily translated words: a gettext_lazy() string, or
    the Kerio errors' words interpolated when shown (a lazy call with a template and a dict).
    Django's lazy objects keep the arguments of their call in ``_args``."""
    args = getattr(lazy_words, "_args", None)
    if not isinstance(lazy_words, Promise) or not args:
        return None
    if len(args) == 1 and isinstance(args[0], str):
        return args[0], {}
    if len(args) == 2 and isinstance(args[1], dict):
        template = _source(args[0])
        if template is not None:
            return template[0], {name: _plain(value) for name, value in args[1].items()}
    return None


def _plain(value):
    return value if isinstance(value, (int, float, type(None))) else str(value)

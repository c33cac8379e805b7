"""The API's OpenAPI 3.1 description, served at /api/openapi.json.

Written by hand, with the enumerations taken from the models; api/tests/test_openapi.py keeps it
honest: every route and parameter is described and every answer validates against its schema.
"""

from monitoring.callbacks.queue import AGES
from monitoring.models import CallbackResolution, CallbackState, CallStatus, Direction
from monitoring.periods import Preset

MAX_LIMIT = 500


def _nullable(kind: str, **more) -> dict:
    return {"type": [kind, "null"], **more}


def _time(description: str, nullable: bool = False) -> dict:
    kind = ["string", "null"] if nullable else "string"
    return {"type": kind, "format": "date-time", "description": description}


def _times(name: str, what: str, nullable: bool = False) -> dict:
    return {
        name: _time(f"{what}, UTC (+00:00).", nullable),
        f"{name}_local": _time(f"{what}, on the local clock (Asia/Tashkent, +05:00).", nullable),
    }


def _object(properties: dict, **more) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **more,
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
TEXT = {"type": "string"}
DAY = {"type": "string", "format": "date"}
LIMIT = _query(
    "limit", f"Items per page, 1 to {MAX_LIMIT} (100 by default).",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
)  # fmt: skip
NEXT = {
    "type": ["string", "null"],
    "format": "uri",
    "description": "The next page; null at the end.",
}

SCHEMAS = {
    "Error": _object(
        {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "description": "What went wrong, for programs."},
                    "message": {
                        "type": "string",
                        "description": "The same in words, in the request's language "
                        "(Accept-Language: uz, ru or en; Uzbek by default).",
                    },
                    "fields": {
                        "type": "object",
                        "description": "Each invalid parameter's errors.",
                        "additionalProperties": {
                            "type": "array",
                            "items": _object({"code": TEXT, "message": TEXT}),
                        },
                    },
                },
                "required": ["code", "message"],
                "additionalProperties": False,
            }
        }
    ),
    "Pbx": _object({"id": INTEGER, "name": TEXT}),
    "Period": _object(
        {**_times("start", "The first moment"), **_times("end", "The moment after the last")},
        description="A half-open range [start, end) of local days.",
    ),
    "Call": _object(
        {
            "id": INTEGER,
            "pbx": _ref("Pbx"),
            **_times("started_at", "When the call started"),
            "direction": {"enum": Direction.values},
            "status": {"enum": CallStatus.values},
            "status_code": _nullable("integer", description="Kerio's STATUS code."),
            "from_number": TEXT,
            "from_name": TEXT,
            "to_number": TEXT,
            "to_name": TEXT,
            "extension": {"type": "string", "description": 'Our extension on the call, or "".'},
            "external_number": {
                "type": "string",
                "description": 'The outside party\'s number, normalized (national), or "".',
            },
            "total_seconds": COUNT,
            "talk_seconds": COUNT,
            "wait_seconds": COUNT,
        }
    ),
    "CallPage": _object(
        {
            "period": _ref("Period"),
            "limit": INTEGER,
            "next": NEXT,
            "results": {"type": "array", "items": _ref("Call")},
        }
    ),
    "Callback": _object(
        {
            "id": INTEGER,
            "number": TEXT,
            "name": TEXT,
            "pbx": _ref("Pbx"),
            "state": {"enum": CallbackState.values},
            "resolution": {"enum": ["", *CallbackResolution.values]},
            **_times("first_missed_at", "The first missed call"),
            **_times("last_missed_at", "The last missed call"),
            "attempts": COUNT,
            "out_of_hours": {"type": "boolean"},
            **_times("clock_starts_at", "When the callback clock started"),
            "waited_seconds": _nullable(
                "integer",
                description="Open: waited so far; closed: the time to callback "
                "(working hours only, by default).",
            ),
            "owner": _nullable("string", description="The user name of who took it."),
            **_times("claimed_at", "When it was taken", nullable=True),
            "tries": COUNT,
            **_times("last_try_at", "Our last try", nullable=True),
            **_times("closed_at", "When it was closed", nullable=True),
            "closed_by": _nullable("string"),
            "closed_by_extension": TEXT,
        }
    ),
    "CallbackPage": _object(
        {
            "page": INTEGER,
            "limit": INTEGER,
            "next": NEXT,
            "results": {"type": "array", "items": _ref("Callback")},
        }
    ),
    "Figures": _object(
        {
            "date": {"type": "string", "format": "date"},
            "period": _ref("Period"),
            "calls": _object(
                {
                    "total": COUNT,
                    "inbound": COUNT,
                    "outbound": COUNT,
                    "internal": COUNT,
                    "inbound_answered": COUNT,
                    "inbound_missed": COUNT,
                    "inbound_within_service_level": COUNT,
                    "service_level_seconds": COUNT,
                    "service_level_percent": _nullable("number"),
                    "average_wait_seconds": _nullable("number"),
                    "longest_wait_seconds": _nullable("integer"),
                    "answered": COUNT,
                    "total_talk_seconds": COUNT,
                    "average_talk_seconds": _nullable("number"),
                    "peak_concurrent": COUNT,
                    **_times("peak_at", "When the peak began", nullable=True),
                    "not_called_back": COUNT,
                }
            ),
            "callbacks": _object(
                {
                    "service_level_minutes": COUNT,
                    "counted": COUNT,
                    "within_service_level": COUNT,
                    "called_back": COUNT,
                    "service_level_percent": _nullable("number"),
                    "median_seconds": _nullable("number"),
                    "p90_seconds": _nullable("number"),
                    "open_now": COUNT,
                    "oldest_open_seconds": _nullable("integer"),
                }
            ),
            "hours": {
                "type": "array",
                "items": _object(
                    {
                        **_times("start", "The hour"),
                        "inbound_answered": COUNT,
                        "inbound_missed": COUNT,
                        "outbound": COUNT,
                    }
                ),
            },
            "extensions": {
                "type": "array",
                "items": _object(
                    {
                        "extension": TEXT,
                        "calls": COUNT,
                        "answered": COUNT,
                        "missed": COUNT,
                        "talk_seconds": COUNT,
                        "average_talk_seconds": _nullable("number"),
                    }
                ),
            },
        }
    ),
    "LiveCall": _object(
        {
            "from_number": TEXT,
            "from_name": TEXT,
            "to_number": TEXT,
            "to_name": TEXT,
            "extension": TEXT,
            "direction": {"enum": Direction.values},
            "state": {"enum": ["ringing", "talking", "unknown"]},
            "kerio_state": {"type": "string", "description": "The state as Kerio reported it."},
            "status_code": _nullable("integer"),
            **_times("started_at", "When the call started", nullable=True),
            "total_seconds": {**COUNT, "description": "Until now, when the snapshot is fresh."},
            "talk_seconds": COUNT,
        }
    ),
    "Live": _object(
        {
            **_times("now", "The answer's time"),
            "fresh_for_seconds": COUNT,
            "pbxes": {
                "type": "array",
                "items": _object(
                    {
                        "pbx": _ref("Pbx"),
                        **_times("taken_at", "The snapshot's time", nullable=True),
                        "fresh": {
                            "type": "boolean",
                            "description": "The last poll succeeded within fresh_for_seconds.",
                        },
                        "error_code": _nullable("string"),
                        "error": _nullable("string", description="Why the PBX was not read."),
                        "calls": {"type": "array", "items": _ref("LiveCall")},
                    }
                ),
            },
        }
    ),
}


def _answer(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


ERRORS = {
    "400": _answer("Invalid or unknown parameters.", "Error"),
    "401": _answer("No token, or an unknown or revoked one.", "Error"),
    "403": _answer("The token's user may not read this.", "Error"),
    "405": _answer("Anything but GET.", "Error"),
    "429": _answer("Too many requests with this token this minute.", "Error"),
}

CALL_PARAMETERS = [
    _query("period", "A preset, or custom with start and end (today by default).",
           {"enum": Preset.values}),
    _query("start", "With period=custom: the first local day.", DAY),
    _query("end", "With period=custom: the last local day (at most 366 days).", DAY),
    _query("direction", "", {"enum": Direction.values}),
    _query("status", "", {"enum": CallStatus.values}),
    _query("extension", "Calls of this extension.", {"type": "string", "maxLength": 32}),
    _query("number", "Either party's number contains this; spaces, dashes and +998 ignored.",
           {"type": "string", "maxLength": 40}),
    _query("min_duration", "Total seconds at least.", {"type": "integer", "minimum": 0}),
    _query("pbx", "Calls of this PBX (its id).", {"type": "integer", "minimum": 1}),
    _query("cursor", "From the previous page's `next`.", TEXT),
    LIMIT,
]  # fmt: skip

CALLBACK_PARAMETERS = [
    _query("state", "open (by default), closed or all.",
           {"enum": [CallbackState.OPEN, CallbackState.CLOSED, "all"]}),
    _query("owner", "none (nobody's), me, or a user id (supervisors).", TEXT),
    _query("age", "Waiting longer than.", {"enum": [age for age in AGES if age]}),
    _query("pbx", "A PBX id (supervisors).", {"type": "integer", "minimum": 1}),
    _query("page", "The page, from 1.", {"type": "integer", "minimum": 1}),
    LIMIT,
]  # fmt: skip


def _get(summary: str, description: str, answer: dict, parameters=(), errors=ERRORS) -> dict:
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": list(parameters),
            "responses": {"200": answer, **errors},
        }
    }


def document(server: str) -> dict:
    """The description, its server at `server` (…/api)."""
    not_found = {"404": _answer("No such call, or not one this token's user sees.", "Error")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Call center monitor API",
            "version": "1.0.0",
            "description": "Read-only. Each request sends `Authorization: Bearer <token>`; an "
            "administrator makes tokens under Settings → API tokens, each for a user, and the "
            "token sees what that user's pages show. Times are UTC with their offset, with the "
            "local (Asia/Tashkent) time beside them; states and statuses are codes.",
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": {
            "/calls/": _get(
                "Calls",
                "The calls page's list for the same filters, newest first (started_at, then id). "
                "Follow `next` to the end: each call is listed once, even while new calls arrive.",
                _answer("A page of calls.", "CallPage"),
                CALL_PARAMETERS,
            ),
            "/calls/{id}/": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": INTEGER}],
                **_get("A call", "", _answer("The call.", "Call"), errors={**ERRORS, **not_found}),
            },
            "/callbacks/": _get(
                "Callbacks",
                "The callbacks page's queue: open ones longest waiting first, closed ones most "
                "recently closed first.",
                _answer("A page of callbacks.", "CallbackPage"),
                CALLBACK_PARAMETERS,
            ),
            "/figures/": _get(
                "A day's figures",
                "The dashboard's figures for one local day.",
                _answer("The figures.", "Figures"),
                [
                    _query(
                        "date",
                        "The local day (today by default).",
                        {"type": "string", "format": "date"},
                    )
                ],
            ),
            "/live/": _get(
                "Live calls",
                "The calls in progress on each enabled PBX, from its latest poll.",
                _answer("Each PBX's calls in progress.", "Live"),
            ),
            "/openapi.json": {
                "get": {
                    "summary": "This description",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "405": _answer("Anything but GET.", "Error"),
                    },
                }
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }

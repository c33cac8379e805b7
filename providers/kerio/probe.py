"""A probe for support: what a box answers to every method the product uses, in one document.

Each method is asked separately, so one failure does not hide the others' answers; next to each
answer stands the JSON type of every field, which is what differs between boxes (a number or a
numeric string, a field missing or renamed). Never a password or a token; phone numbers masked
on request.
"""

import re
from collections.abc import Callable

from .client import KerioClient
from .errors import KerioError
from .tls import presented_certificate

HISTORY_RECORDS = 3
DIRECTORY_ENTRIES = 5
# Fields that hold numbers the product computes with: never masked.
QUANTITIES = frozenset(
    {"TIMESTAMP", "STARTED", "CALL_DURATION", "ANSWERED_DURATION", "DURATION", "STATUS",
     "FROM_TYPE", "TO_TYPE", "EXTENSION_TYPE_ID", "ID", "totalItems", "apiVersion"}
)  # fmt: skip
_LONG_DIGITS = re.compile(r"\d{5,}")


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def field_types(value):
    """The JSON type of every field of ``value``, nested objects included."""
    if isinstance(value, dict):
        return {
            key: field_types(item) if isinstance(item, dict) else json_type(item)
            for key, item in value.items()
        }
    return json_type(value)


def mask_numbers(value, key: str = ""):
    """``value`` with every run of five or more digits shown as x's but its last two digits."""
    if isinstance(value, dict):
        return {k: mask_numbers(item, str(k)) for k, item in value.items()}
    if isinstance(value, list):
        return [mask_numbers(item, key) for item in value]
    if key in QUANTITIES:
        return value
    if isinstance(value, str):
        return _LONG_DIGITS.sub(lambda m: "x" * (len(m.group()) - 2) + m.group()[-2:], value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return mask_numbers(str(value), key)
    return value


class Probe:
    """Asks a box everything; ``run()`` returns the document. The raw newest history records
    stay in ``history`` (unmasked) for the caller to show how the product reads them."""

    def __init__(self, client: KerioClient, *, mask: bool = False):
        self.client = client
        self.mask = mask
        self.report: dict = {"methods": {}, "errors": {}}
        self.history: list = []
        self.raw: dict = {}  # every answer, unmasked, for the caller's own reading

    def _ask(self, method: str, call: Callable[[], object]):
        try:
            answer = call()
        except KerioError as exc:
            self.report["errors"][method] = {
                "error": type(exc).__name__,
                "code": exc.code,
                "server_message": exc.server_message,
                "explanation": str(exc.user_message),
            }
            return None
        self.raw[method] = answer
        self.report["methods"][method] = {
            "answer": mask_numbers(answer) if self.mask else answer,
            "types": [field_types(item) for item in answer]
            if isinstance(answer, list)
            else field_types(answer),
        }
        return answer

    def run(self) -> dict:
        client = self.client
        certificate = presented_certificate(client.settings)
        self.report["connection"] = {
            "url": client.settings.url,
            "verify_tls": client.settings.verify_tls,
            "pinned": client.settings.pinned,
            "certificate": certificate.as_dict() if certificate else None,
        }
        self._ask("Version.getApiVersion", lambda: client.call("Version.getApiVersion"))
        self._ask("Server.getConstantList", lambda: client.call("Server.getConstantList"))
        history = self._ask(
            "CallHistory.get",
            lambda: client.call_history_page(0, HISTORY_RECORDS).records[:HISTORY_RECORDS],
        )
        self._ask("Status.getCalls", lambda: client.active_calls()[:1])
        self._ask(
            "Server.getInternalDirectoryList", lambda: client.extensions()[:DIRECTORY_ENTRIES]
        )
        self._ask("Recordings.get", lambda: client.recordings(start=0, limit=1)[:1])
        self.history = history or []
        return self.report

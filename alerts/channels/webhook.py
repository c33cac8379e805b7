"""A JSON POST signed with HMAC-SHA256 (the scheme is in the README).

Headers: `X-Callcenter-Event` (the event's idempotency key, for the receiver to ignore a repeat),
`X-Callcenter-Timestamp` (Unix seconds) and `X-Callcenter-Signature`:
`sha256=` + hex HMAC-SHA256 of `"{timestamp}.{body}"` with the channel's secret.
"""

import hashlib
import hmac
import json
import time

import requests
from django.utils.translation import gettext as _

from alerts.channels import TIMEOUT_SECONDS, DeliveryError, network_error

SIGNATURE_HEADER = "X-Callcenter-Signature"
TIMESTAMP_HEADER = "X-Callcenter-Timestamp"
EVENT_HEADER = "X-Callcenter-Event"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, received: str, now=None, skew=300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    now = time.time() if now is None else now
    try:
        fresh = abs(now - int(timestamp)) <= skew
    except ValueError:
        return False
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), received)


def post(url: str, secret: str, event_key: str, payload: dict) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: event_key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise network_error(exc, url) from None
    if not response.ok:
        raise DeliveryError(
            _("The webhook answered with an error (HTTP %(status)s).")
            % {"status": response.status_code},
            temporary=response.status_code >= 500 or response.status_code == 429,
        )

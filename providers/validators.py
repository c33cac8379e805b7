"""Field validators for connection records."""

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def validate_host(value: str) -> None:
    """Accept an IPv4/IPv6 address or a DNS host name; nothing else (no scheme, port or path)."""
    candidate = value.strip()
    try:
        ipaddress.ip_address(candidate.strip("[]"))
        return
    except ValueError:
        pass
    labels = candidate.rstrip(".").split(".")
    if (
        candidate
        and len(candidate) <= 253
        and all(_HOSTNAME_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    ):
        return
    raise ValidationError(
        _(
            "Enter a host name (such as pbx.example.uz) or an IP address, "
            "without http:// or a port."
        ),
        code="invalid_host",
    )


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(
            _("This is not a valid regular expression: %(error)s"),
            params={"error": exc},
            code="invalid_regex",
        ) from exc


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as Asia/Tashkent, or UTC."""
    from providers.kerio.clock import is_known_zone

    if not is_known_zone(value):
        raise ValidationError(
            _("Enter a time zone name such as Asia/Tashkent or UTC."),
            code="invalid_time_zone",
        )


def validate_fingerprint(value: str) -> None:
    from providers.kerio.tls import normalize_fingerprint

    if not value:
        return
    try:
        normalize_fingerprint(value)
    except ValueError:
        raise ValidationError(
            _("A SHA-256 fingerprint is 64 hexadecimal digits (colons are optional)."),
            code="invalid_fingerprint",
        ) from None

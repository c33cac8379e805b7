"""The "Download diagnostics" file and ``manage.py kerio_probe``: one JSON document for support.

What the box answers to every method the product uses (``providers.kerio.probe``), plus what only
the product knows: how it reads each of the newest history records (the normalized call next to
the raw one), the clock offset it detects, and the state of its logins. Never a password or a
token: both are scrubbed from the text whatever the box echoed.
"""

import datetime as dt
import json

from django.utils import timezone

from monitoring.directory import Directory
from monitoring.sync.normalize import Rejected, normalize_record
from providers.kerio import KerioClient, KerioError
from providers.kerio.clock import newest_record_warning, pbx_instant
from providers.kerio.probe import Probe, mask_numbers
from providers.kerio.values import as_number
from providers.models import PbxConnection
from providers.session_keeper import keeper_for, logins_paused

SCRUBBED = "[removed]"


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _reading(record, directory: Directory, zone_name: str) -> dict:
    try:
        fields = normalize_record(record, directory, zone_name)
    except Rejected as exc:
        return {"rejected": exc.reason}
    fields.pop("raw", None)
    return _plain(fields)


def _clock(history: list, zone_name: str, now: dt.datetime) -> dict:
    epochs = [as_number(r.get("TIMESTAMP")) for r in history if isinstance(r, dict)]
    epochs = [epoch for epoch in epochs if epoch is not None]
    newest = max(epochs) if epochs else None
    clock = {"timestamps_timezone": zone_name, "server_now": now.isoformat()}
    if newest is None:
        return {**clock, "newest_record": None}
    instant = pbx_instant(newest, zone_name)
    warning = newest_record_warning(newest, zone_name, now)
    return {
        **clock,
        "newest_record": {"TIMESTAMP": newest, "read_as": instant.isoformat()},
        "newest_record_age_seconds": round((now - instant).total_seconds()),
        "warning": str(warning.message) if warning else None,
    }


def diagnostics(pbx: PbxConnection, *, mask_phone_numbers: bool = False) -> dict:
    """Ask the PBX everything and describe how the product reads it."""
    now = timezone.now()
    settings = pbx.connection_settings()
    zone_name = pbx.timestamps_timezone
    with KerioClient(settings, keeper=keeper_for(pbx)) as client:
        probe = Probe(client, mask=mask_phone_numbers)
        try:
            report = probe.run()
        except KerioError as exc:  # only a login refused or paused stops every method
            report = {**probe.report, "stopped": str(exc.user_message)}
        token = client._token or ""
    directory = Directory.build(
        probe.raw.get("Server.getInternalDirectoryList") or [], pbx.internal_number_pattern
    )
    readings = [
        {"raw": record, "read_as": _reading(record, directory, zone_name)}
        for record in probe.history
    ]
    paused = logins_paused(pbx)
    document = {
        "generated_at": now.isoformat(),
        "pbx": {
            "name": pbx.name,
            "timestamps_timezone": zone_name,
            "verify_tls": pbx.verify_tls,
            "ca": "uploaded" if pbx.ca_pem else ("file" if pbx.ca_file else None),
            "pinned_fingerprint": pbx.tls_fingerprint or None,
            "logins_paused": paused.reason if paused else None,
        },
        **report,
        "clock": _clock(probe.history, zone_name, now),
        "reading": mask_numbers(readings) if mask_phone_numbers else readings,
    }
    return scrubbed(document, [pbx.password, token])


def scrubbed(value, secrets: list[str]):
    """``value`` with every secret replaced in its texts, wherever the box may have echoed it."""
    secrets = [secret for secret in secrets if secret]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, SCRUBBED)
        return value
    if isinstance(value, dict):
        return {scrubbed(key, secrets): scrubbed(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item, secrets) for item in value]
    return value


def as_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=str)

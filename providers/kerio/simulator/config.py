"""Settings of one simulated Kerio Operator."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SimulatorConfig:
    """How the fake PBX listens and what world it starts with.

    Variants real boxes may show, off by default: ``certificate="self_signed_cn"`` serves a
    self-signed certificate with a common name only (``cert_common_name``, no subjectAltName),
    as appliances ship; ``numbers_as_strings`` sends every number of the history, live calls and
    recordings as a numeric string; ``timestamps_timezone`` writes TIMESTAMP and STARTED as that
    zone's wall clock read as UTC (local-time epochs); ``lockout_after`` blocks an address for
    ``lockout_seconds`` after that many failed logins, as Kerio's anti-hammering does;
    ``rejects_transcode`` answers -32602 to a download request carrying ``transcode``;
    ``inbound_line`` says how an inbound call's history record names the company line the
    customer dialled: "" not at all, "field" in a ``DID`` field beside the extension in TO_NUM,
    "called" in TO_NUM itself (the extension that took the call is then not written).

    ``queue_records`` makes the inbound calls to the call queue (800) and the IVR (700) end as
    such calls do — answered by an agent or the menu after a wait, or abandoned by the caller
    after a second to ten minutes — and chooses how the queue writes them: "call", one record
    per caller's call (TO the queue); "legs", one record per agent the queue rang, every leg with
    the call's start, caller and TO (`demo.queue_legs`). Empty (the default): such calls are
    made like any other. Public sources do not say which shape a real box writes.

    ``rate`` is new live calls per minute (0: no live traffic); ``time_scale`` shrinks the live
    calls' ring and talk times (0.01 turns a 2-minute call into 1.2 s). ``now`` pins the end of
    the generated history (epoch seconds) so a seed gives exactly the same records.
    """

    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = True
    cert_dir: str | Path | None = None  # None: a temporary directory removed on stop
    username: str = "admin"
    password: str = field(default="demo-password", repr=False)
    history_size: int = 2000
    days: int = 30
    rate: float = 0.0
    time_scale: float = 1.0
    page_cap: int = 500
    session_ttl: float = 1800.0
    seed: int = 1
    with_ids: bool = False
    recording_share: float = 0.3
    fault_delay: float = 3.0  # how long a "timeout" fault keeps the client waiting
    # What a recording download claims to be and is called (a hostile PBX may say anything).
    download_content_type: str = "audio/wav"
    download_body: bytes | None = field(default=None, repr=False)  # None: the tone
    download_name: str | None = None  # None: the recording's NAME
    now: float | None = None
    certificate: str = "ca"  # or "self_signed_cn"
    cert_common_name: str = "kerio.office.local"
    numbers_as_strings: bool = False
    timestamps_timezone: str = "UTC"
    lockout_after: int = 0
    lockout_seconds: float = 600.0
    rejects_transcode: bool = False
    inbound_line: str = ""  # or "field", "called"
    queue_records: str = ""  # "", "call" or "legs"

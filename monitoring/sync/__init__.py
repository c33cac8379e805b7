"""The call-history sync: the one function the schedule, the command and the "Sync now" button call.

One module per job:

- ``lock``: one run per PBX at a time, and the schedule's backoff after repeated failures;
- ``history``: reading the PBX's history page by page, each record exactly once (its docstring
  states the paging invariants);
- ``normalize``: one history record → the fields of a Call;
- ``writer``: storing a page of calls, on one connection or several (``concurrent_writes``);
- ``read_ahead``: reading the next pages while the current one is stored;
- ``run``: one run, tying them together, and its read-back mark.

The names below are what the rest of the product uses.
"""

from monitoring.sync.lock import (
    SyncAlreadyRunning,
    backoff_delay,
    backoff_until,
    consecutive_failures,
    sync_held_off,
    sync_is_running,
)
from monitoring.sync.run import SyncFailed, sync_pbx

__all__ = [
    "SyncAlreadyRunning",
    "SyncFailed",
    "backoff_delay",
    "backoff_until",
    "consecutive_failures",
    "sync_held_off",
    "sync_is_running",
    "sync_pbx",
]

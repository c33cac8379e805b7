"""Hourly rollups of the calls: the period pages' figures without reading every call.

`models.CallHour` holds one row per PBX, UTC hour, direction, status, extension and line with the
additive measures of its calls. The database keeps it exact itself (`maintenance`: triggers on the
call table, so every write — the sync's pages, late or corrected records, retention, removing a
PBX — updates it in the same statement); `rebuild_rollups` recomputes it from the calls.
`figures` answers the pages' questions from it, exactly, for any zone.
"""

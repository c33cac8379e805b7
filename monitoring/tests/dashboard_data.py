"""A known day of calls for the dashboard's tests, and its numbers computed the plain way.

The calls are described in local (Asia/Tashkent) time of a given day; `expected()` derives every
tile's number from the descriptions with plain Python, independent of monitoring.kpis.
"""

from datetime import date, datetime, time, timedelta

from monitoring.tests.factories import TASHKENT, described_call

MISSED = {"no_answer", "busy", "failed", "voicemail"}

# (local time, direction, status, total s, talk s, external number, extension)
DAY = [
    ("09:00:00", "inbound", "answered", 70, 60, "901111111", "101"),
    ("09:00:30", "inbound", "answered", 100, 70, "902222222", "102"),
    ("09:01:00", "inbound", "no_answer", 25, 0, "903333333", "101"),
    ("10:00:00", "inbound", "busy", 5, 0, "904444444", "102"),
    # 904444444 is called back: gone from "not called back".
    ("10:30:00", "outbound", "answered", 130, 120, "904444444", "102"),
    ("11:00:00", "internal", "answered", 40, 30, "", "101"),
    # 905555555 had an answered call before its miss: still listed.
    ("08:00:00", "outbound", "answered", 50, 45, "905555555", "103"),
    ("11:30:00", "inbound", "voicemail", 40, 0, "905555555", "103"),
    # 23:30 UTC the day before: 04:30 local, on this day.
    ("04:30:00", "inbound", "failed", 0, 0, "906666666", ""),
]
# Just outside the day, on both sides (local times of the previous / next day).
OUTSIDE = [
    (-1, "23:59:59", "inbound", "no_answer", 10, 0, "907777777", "101"),
    (1, "00:00:00", "inbound", "no_answer", 10, 0, "908888888", "101"),
]


def local(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=TASHKENT)


def make_day(pbx, day: date, outside: bool = True) -> None:
    for clock, *rest in DAY:
        described_call(pbx, local(day, clock), *rest)
    if outside:
        for offset, clock, *rest in OUTSIDE:
            described_call(pbx, local(day + timedelta(days=offset), clock), *rest)


def expected(service_level_seconds: int = 20) -> dict:
    """Every tile's number for DAY, the plain way."""
    calls = [
        {
            "clock": c[0],
            "direction": c[1],
            "status": c[2],
            "total": c[3],
            "talk": c[4],
            "wait": c[3] - c[4],
            "number": c[5],
            "extension": c[6],
        }
        for c in DAY
    ]
    inbound = [c for c in calls if c["direction"] == "inbound"]
    inbound_answered = [c for c in inbound if c["status"] == "answered"]
    answered = [c for c in calls if c["status"] == "answered"]
    waits = [c["wait"] for c in inbound_answered]
    return {
        "total": len(calls),
        "inbound": len(inbound),
        "outbound": sum(c["direction"] == "outbound" for c in calls),
        "internal": sum(c["direction"] == "internal" for c in calls),
        "inbound_answered": len(inbound_answered),
        "inbound_missed": sum(c["status"] in MISSED for c in inbound),
        "within": sum(w <= service_level_seconds for w in waits),
        "service_level": 100 * sum(w <= service_level_seconds for w in waits) / len(inbound),
        "average_wait": sum(waits) / len(waits),
        "longest_wait": max(waits),
        "answered": len(answered),
        "total_talk": sum(c["talk"] for c in calls),
        "average_talk": sum(c["talk"] for c in answered) / len(answered),
        # At 09:01:00 the calls of 09:00:00 (to 09:01:10), 09:00:30 (to 09:02:10) and 09:01:00.
        "peak": 3,
        "peak_at": "09:01:00",
        # Last inbound missed, no answered call since; most recent first.
        "not_called_back": ["905555555", "903333333", "906666666"],
    }

"""Calls and callbacks for the agents' tests, with the calls kept as plain dicts so the tests can
count what the pages should show by plain Python.

Three Tashkent days, Tuesday 10 to Thursday 12 November 2026; extensions 99, 101 to 105 and a
call queue (800) on the main PBX, extension 101 on a branch PBX too. Every external number is
used once, except those of the callbacks made on Wednesday (see `CALLBACKS`).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import OperatorProfile
from accounts.roles import GROUP_NAMES, Role
from monitoring.callbacks import derive
from monitoring.models import Call, CallbackAction, CallStatus, Direction
from monitoring.periods import Preset, days_period
from monitoring.tests.factories import TASHKENT, make_pbx
from providers.models import DirectoryEntry

TUESDAY, WEDNESDAY, THURSDAY = date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)
PERIOD = days_period(TUESDAY, THURSDAY, Preset.CUSTOM)
QUERY = f"?period=custom&start={TUESDAY}&end={THURSDAY}"
EXTENSIONS = ("99", "101", "102", "103", "104", "105")
QUEUE = "800"
MISSED = ("no_answer", "busy", "failed", "voicemail")
_numbers = count(1)
_keys = count(1)


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=TASHKENT)


def fresh_number() -> str:
    return f"93{next(_numbers):07d}"


@dataclass
class World:
    pbx: object
    branch: object
    calls: list[dict] = field(default_factory=list)
    # (PBX id, extension) → the times to callback (seconds) of the callbacks it made in PERIOD.
    callbacks: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)

    def add(self, pbx, started_at, direction, status, extension, number="", talk=0, wait=0):
        """Store a call and keep what the tests count it by."""
        talk = talk if status == "answered" else 0
        row = {
            "pbx": pbx.pk,
            "started_at": started_at,
            "direction": direction,
            "status": status,
            "extension": extension,
            "number": number,
            "talk": talk,
            "wait": wait,
        }
        self.pending.append(Call(
            pbx=pbx,
            key=f"agent-{next(_keys)}",
            started_at=started_at,
            direction=direction,
            status=status,
            from_number=number if direction == Direction.INBOUND else extension,
            to_number=extension if direction == Direction.INBOUND else number,
            extension=extension,
            external_number=number,
            total_seconds=talk + wait,
            talk_seconds=talk,
            wait_seconds=wait,
            raw={},
        ))  # fmt: skip
        self.calls.append(row)
        return row

    def store(self) -> None:
        """Write the calls added so far."""
        Call.objects.bulk_create(self.pending)
        self.pending.clear()


def random_calls(world: World, pbx, extensions, seed: int, per_day: int = 10) -> None:
    """Calls of every kind at random moments strictly inside each day of the period and of the
    days around it (which the period must leave out)."""
    rng = random.Random(seed)
    for day in [TUESDAY - timedelta(days=1), *PERIOD.days, THURSDAY + timedelta(days=1)]:
        for extension in extensions:
            for _ in range(rng.randint(per_day // 2, per_day)):
                moment = at(day, "00:00:01") + timedelta(seconds=rng.randint(0, 86396))
                kind = rng.random()
                if kind < 0.45:
                    answered = rng.random() < 0.7
                    world.add(pbx, moment, Direction.INBOUND,
                              "answered" if answered else rng.choice(MISSED), extension,
                              fresh_number(), talk=rng.randint(5, 600),
                              wait=rng.randint(0, 60))  # fmt: skip
                elif kind < 0.85:
                    answered = rng.random() < 0.6
                    world.add(pbx, moment, Direction.OUTBOUND,
                              "answered" if answered else "no_answer", extension, fresh_number(),
                              talk=rng.randint(5, 900), wait=rng.randint(3, 40))  # fmt: skip
                else:
                    world.add(pbx, moment, Direction.INTERNAL, "answered", extension,
                              talk=rng.randint(5, 120), wait=rng.randint(1, 10))  # fmt: skip


def boundary_calls(world: World, pbx) -> None:
    """Extension 101's calls at the edges of Tashkent days: one second before the period, its
    first and last moments, midnight between two days, and the moment after it."""
    for moment in [at(TUESDAY, "00:00:00") - timedelta(seconds=1), at(TUESDAY, "00:00:00"),
                   at(TUESDAY, "23:59:59"), at(WEDNESDAY, "00:00:00"), at(THURSDAY, "23:59:59"),
                   at(THURSDAY + timedelta(days=1), "00:00:00")]:  # fmt: skip
        world.add(pbx, moment, Direction.INBOUND, "answered", "101", fresh_number(), 40, 7)


def callback_scenarios(world: World, operator, late) -> None:
    """Wednesday's callbacks, all within working hours (09:00 to 18:00), so the callback clock is
    the wall clock. Each closed callback made by an agent is noted in `world.callbacks`."""
    pbx, branch = world.pbx, world.branch

    def made(on, extension, missed_at, closed_at):
        key = (on.pk, extension)
        world.callbacks.setdefault(key, []).append((closed_at - missed_at).total_seconds())

    def missed(on, moment, number, extension="103"):
        world.add(on, moment, Direction.INBOUND, "no_answer", extension, number, wait=20)

    def called_back(on, moment, number, extension, status="answered"):
        world.add(on, moment, Direction.OUTBOUND, status, extension, number, talk=60, wait=5)

    # Called back by 101's answered calls out, after 5 and 25 minutes (a try that did not connect
    # in between does not close it).
    for number, minutes in [("911000001", 5), ("911000002", 25)]:
        missed(pbx, at(WEDNESDAY, "10:00"), number)
        called_back(pbx, at(WEDNESDAY, "10:00") + timedelta(minutes=1), number, "101", "no_answer")
        called_back(pbx, at(WEDNESDAY, "10:00") + timedelta(minutes=minutes), number, "101")
        made(
            pbx, "101", at(WEDNESDAY, "10:00"), at(WEDNESDAY, "10:00") + timedelta(minutes=minutes)
        )
    # By 102, after 10 minutes.
    missed(pbx, at(WEDNESDAY, "11:00"), "911000003")
    called_back(pbx, at(WEDNESDAY, "11:10"), "911000003", "102")
    made(pbx, "102", at(WEDNESDAY, "11:00"), at(WEDNESDAY, "11:10"))
    # "Reached" recorded by the operator of 101 (and 102) from extension 101, after 40 minutes.
    missed(pbx, at(WEDNESDAY, "12:00"), "911000004")
    outcome(operator, "911000004", at(WEDNESDAY, "12:40"), "101")
    made(pbx, "101", at(WEDNESDAY, "12:00"), at(WEDNESDAY, "12:40"))
    # "Reached" recorded by a user without an extension then, given 103 since: counts for 103.
    missed(pbx, at(WEDNESDAY, "13:00"), "911000005", extension="101")
    outcome(late, "911000005", at(WEDNESDAY, "13:20"), "")
    made(pbx, "103", at(WEDNESDAY, "13:00"), at(WEDNESDAY, "13:20"))
    # Closed as "wrong number" by the operator: not a callback made.
    missed(pbx, at(WEDNESDAY, "13:30"), "911000006")
    outcome(operator, "911000006", at(WEDNESDAY, "13:50"), "101", "wrong_number")
    # The customer called again and 101 answered: not a callback made.
    missed(pbx, at(WEDNESDAY, "14:00"), "911000007")
    world.add(pbx, at(WEDNESDAY, "14:30"), Direction.INBOUND, "answered", "101", "911000007",
              talk=50, wait=4)  # fmt: skip
    # Missed on Monday (before the period), called back by 101 on Wednesday: not this period's.
    missed(pbx, at(TUESDAY - timedelta(days=1), "10:00"), "911000008")
    called_back(pbx, at(WEDNESDAY, "15:00"), "911000008", "101")
    # On the branch, extension 101 (another person) calls back after 15 minutes.
    missed(branch, at(WEDNESDAY, "15:00"), "911000009", extension="101")
    called_back(branch, at(WEDNESDAY, "15:15"), "911000009", "101")
    made(branch, "101", at(WEDNESDAY, "15:00"), at(WEDNESDAY, "15:15"))
    world.store()
    derive.rebuild()
    OperatorProfile.objects.create(user=late, pbx=pbx, extensions="103, 104")


def outcome(user, number, moment, extension, result="reached") -> None:
    CallbackAction.objects.create(
        number=number, at=moment, kind=CallbackAction.Kind.OUTCOME, outcome=result, user=user,
        extension=extension,
    )  # fmt: skip


def make_world(pbx, operator) -> World:
    branch = make_pbx(name="Branch")
    world = World(pbx=pbx, branch=branch)
    random_calls(world, pbx, EXTENSIONS, seed=7)
    random_calls(world, pbx, [QUEUE], seed=8)
    random_calls(world, branch, ["101"], seed=9)
    boundary_calls(world, pbx)
    # Signs in never: no password to hash.
    late = get_user_model().objects.create(username="nodira")
    late.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.OPERATOR])[0])
    callback_scenarios(world, operator, late)
    now = timezone.now()
    DirectoryEntry.objects.bulk_create(
        [
            DirectoryEntry(pbx=pbx, number="101", name="Dilnoza Karimova", kind=1, seen_at=now),
            DirectoryEntry(pbx=pbx, number="102", name="Aziz", kind=1, seen_at=now),
            DirectoryEntry(pbx=pbx, number="104", name="Bekzod", kind=1, seen_at=now),
            DirectoryEntry(pbx=pbx, number=QUEUE, name="Sales queue", kind=5, seen_at=now),
            DirectoryEntry(pbx=branch, number="101", name="Malika", kind=1, seen_at=now),
        ]
    )
    return world


def answered_inbound(call: dict) -> bool:
    return call["direction"] == Direction.INBOUND and call["status"] == CallStatus.ANSWERED

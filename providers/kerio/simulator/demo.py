"""Demo data that looks like a Tashkent call center: extensions, callers, a month of calls.

Party types (``FROM_TYPE``/``TO_TYPE``) reuse the directory's EXTENSION_TYPE_ID numbers (1 line,
5 queue, 6 IVR, 7 voicemail) and 2 ("interface") for outside numbers: the real values are not
documented, so consumers must treat them as opaque.
"""

import datetime as dt
import math
import random
import zlib
from dataclasses import dataclass

TASHKENT = dt.timezone(dt.timedelta(hours=5))

LINE, EXTERNAL, QUEUE, IVR, VOICEMAIL = 1, 2, 5, 6, 7
# The company's own numbers customers dial (Tashkent landlines), for boxes that write them.
COMPANY_LINES = ("+998712000100", "+998712000200", "+998781500300")
FAILED, BUSY, NO_ANSWER, ANSWERED, BARRED, VOICEMAIL_ANSWERED = 1, 2, 3, 4, 5, 6

EXTENSION_NAMES = [
    "Dilnoza Karimova",
    "Азиз Рахимов",
    "Jasur Toshmatov",
    "Malika Yusupova",
    "Шахзод Алиев",
    "Nodira Xolmatova",
    "Bekzod Ergashev",
    "Гулноза Саидова",
    "Sardor Nazarov",
    "Zarina Qodirova",
    "Otabek Mirzayev",
    "Феруза Исмоилова",
    "Sherzod Abdullayev",
    "Kamola Rashidova",
    "Ulug'bek Sobirov",
    "Дилшод Хасанов",
    "Madina Umarova",
    "Rustam Jo'rayev",
    "Нилуфар Турсунова",
    "Akmal Xudoyberdiyev",
]
SERVICE_NUMBERS = [
    ("700", "Ovozli menyu (IVR)", IVR),
    ("799", "Ovozli pochta", VOICEMAIL),
    ("800", "Qo'ng'iroqlar navbati", QUEUE),
]
CALLER_NAMES = ["Anvar", "Shoira opa", "Timur", "Лола", "OOO Baraka Savdo", "Ravshan aka", "Ирина"]
MOBILE_CODES = ["90", "91", "93", "94", "97", "99"]

# Relative call volume per local hour on a weekday; weekends are lighter.
HOUR_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.2, 4, 9, 12, 12,
                8, 9, 11, 11, 10, 7, 4, 2, 1.2, 0.8, 0.5, 0.3]  # fmt: skip
DAY_WEIGHTS = [1, 1, 1, 1, 0.95, 0.45, 0.2]  # Monday .. Sunday

# Of the customers' missed calls: the share called back within minutes, and hours later; the
# rest are never called back (or call again themselves).
CALLED_BACK_SOON, CALLED_BACK_LATE = 0.45, 0.25

# How a call queue's callers fare when the simulator shapes queue calls (``queue_records``): the
# share an agent answers, the queue's ring timeout per agent, and how long the others wait
# before hanging up: (weight, shortest, longest seconds), one range per bucket of the page.
QUEUE_ANSWERED_SHARE = 0.7
QUEUE_VOICEMAIL_SHARE = 0.05
QUEUE_RING_SECONDS = 15
QUEUE_ABANDON_WAITS = [(20, 0, 9), (25, 10, 29), (20, 30, 59), (15, 60, 119), (12, 120, 299),
                       (8, 300, 600)]  # fmt: skip
QUEUE_RECORD_SHAPES = ("call", "legs")

STATUS_WEIGHTS = [
    (ANSWERED, 70), (NO_ANSWER, 13), (BUSY, 7), (FAILED, 5), (VOICEMAIL_ANSWERED, 3), (BARRED, 2)
]  # fmt: skip


def directory() -> list[dict]:
    """Twenty extensions 101-120 plus the IVR, voicemail and the call queue."""
    entries = [
        {"TEL_NUM": str(101 + i), "DESCRIPTION": name, "EXTENSION_TYPE_ID": LINE}
        for i, name in enumerate(EXTENSION_NAMES)
    ]
    entries += [
        {"TEL_NUM": num, "DESCRIPTION": name, "EXTENSION_TYPE_ID": kind}
        for num, name, kind in SERVICE_NUMBERS
    ]
    return entries


def external_number(rng: random.Random) -> str:
    """An Uzbek number in one of the shapes a PBX passes on."""
    code = rng.choice(MOBILE_CODES) if rng.random() < 0.85 else "71"
    local = f"{code}{rng.randrange(10**7):07d}"
    return rng.choice([f"+998{local}", f"998{local}", local])


@dataclass
class CallPlan:
    """Who calls whom and how it ends; ``ring`` and ``talk`` in seconds."""

    from_num: str
    from_name: str
    from_type: int
    to_num: str
    to_name: str
    to_type: int
    status: int
    ring: int
    talk: int

    def record(self, timestamp: int) -> dict:
        return {
            "TIMESTAMP": timestamp,
            "FROM_NUM": self.from_num,
            "FROM_NAME": self.from_name,
            "TO_NUM": self.to_num,
            "TO_NAME": self.to_name,
            "CALL_DURATION": self.ring + self.talk,
            "ANSWERED_DURATION": self.talk,
            "STATUS": self.status,
            "FROM_TYPE": self.from_type,
            "TO_TYPE": self.to_type,
        }


class CallFactory:
    """Makes plausible calls: inbound from a pool of returning customers, outbound, internal.

    With ``queue_calls``, an inbound call to the call queue or the IVR ends as such calls do
    (`queue_outcome`): an agent (or the IVR) answers after a wait, or the caller gives up after
    anything from a second to ten minutes; without it, like any other call."""

    def __init__(self, rng: random.Random, queue_calls: bool = False):
        self.rng = rng
        self.queue_calls = queue_calls
        self.lines = [e for e in directory() if e["EXTENSION_TYPE_ID"] == LINE]
        self.services = [e for e in directory() if e["EXTENSION_TYPE_ID"] in (QUEUE, IVR)]
        self.customers = [
            (external_number(rng), rng.choice(CALLER_NAMES) if rng.random() < 0.2 else "")
            for _ in range(300)
        ]

    def plan(self) -> CallPlan:
        rng = self.rng
        status = rng.choices(*zip(*STATUS_WEIGHTS, strict=True))[0]
        ring, talk = self._durations(status)
        kind = rng.random()
        line = rng.choice(self.lines)
        if kind < 0.55:  # inbound
            number, name = rng.choice(self.customers)
            if rng.random() < 0.04:
                number, name = rng.choice(["", "anonymous"]), ""
            target = rng.choice(self.services) if rng.random() < 0.4 else line
            if self.queue_calls and target["EXTENSION_TYPE_ID"] in (QUEUE, IVR):
                status, ring, talk = self.queue_outcome(target["EXTENSION_TYPE_ID"])
            return CallPlan(number, name, EXTERNAL, target["TEL_NUM"], target["DESCRIPTION"],
                            target["EXTENSION_TYPE_ID"], status, ring, talk)  # fmt: skip
        if kind < 0.85:  # outbound
            number = rng.choice(self.customers)[0] if rng.random() < 0.6 else external_number(rng)
            return CallPlan(line["TEL_NUM"], line["DESCRIPTION"], LINE, number.lstrip("+"), "",
                            EXTERNAL, status, ring, talk)  # fmt: skip
        other = rng.choice([e for e in self.lines if e is not line])
        return CallPlan(line["TEL_NUM"], line["DESCRIPTION"], LINE, other["TEL_NUM"],
                        other["DESCRIPTION"], LINE, status, ring, talk)  # fmt: skip

    def callback_for(self, plan: CallPlan) -> tuple[int, CallPlan] | None:
        """After a missed call from a customer: (seconds after it ends, the answered call back from
        one of our lines) — most within minutes, some hours later — or None: never called back."""
        rng = self.rng
        missed = plan.from_type == EXTERNAL and plan.status not in (ANSWERED, BARRED)
        if not missed or not plan.from_num.strip("+").isdigit():
            return None
        roll = rng.random()
        if roll < CALLED_BACK_SOON:
            delay = rng.randint(60, 14 * 60)
        elif roll < CALLED_BACK_SOON + CALLED_BACK_LATE:
            delay = rng.randint(3600, 6 * 3600)
        else:
            return None
        line = rng.choice(self.lines)
        ring, talk = self._durations(ANSWERED)
        back = CallPlan(line["TEL_NUM"], line["DESCRIPTION"], LINE, plan.from_num.lstrip("+"), "",
                        EXTERNAL, ANSWERED, ring, talk)  # fmt: skip
        return delay, back

    def queue_outcome(self, kind: int) -> tuple[int, int, int]:
        """(status, wait, talk) of an inbound call to the call queue or the IVR."""
        rng = self.rng
        if kind == IVR:  # the menu answers at once; a few hang up while it picks up
            if rng.random() < 0.92:
                return ANSWERED, rng.randint(0, 3), rng.randint(8, 120)
            return NO_ANSWER, rng.randint(0, 6), 0
        roll = rng.random()
        if roll < QUEUE_ANSWERED_SHARE:
            wait = min(int(rng.expovariate(1 / 25)), 900)
            return ANSWERED, wait, self._durations(ANSWERED)[1]
        if roll < QUEUE_ANSWERED_SHARE + QUEUE_VOICEMAIL_SHARE:
            return VOICEMAIL_ANSWERED, rng.randint(60, 180), rng.randint(5, 60)
        weights, lows, highs = zip(*QUEUE_ABANDON_WAITS, strict=True)
        bucket = rng.choices(range(len(weights)), weights=weights)[0]
        return NO_ANSWER, rng.randint(lows[bucket], highs[bucket]), 0

    def _durations(self, status: int) -> tuple[int, int]:
        rng = self.rng
        if status == ANSWERED:
            roll = rng.random()
            if roll < 0.01:
                talk = rng.randint(1800, 3 * 3600)
            elif roll < 0.06:
                talk = rng.randint(300, 1800)
            else:
                talk = min(max(int(rng.lognormvariate(math.log(90), 0.8)), 10), 300)
            return rng.randint(2, 25), talk
        if status == NO_ANSWER:
            return rng.randint(15, 60), 0
        if status == VOICEMAIL_ANSWERED:
            return rng.randint(15, 30), rng.randint(5, 60)
        return rng.randint(0, 3), 0


def queue_legs(record: dict) -> list[dict]:
    """A call to the call queue as one record per leg: the queue rings its agents one after
    another, QUEUE_RING_SECONDS each, until one answers or the caller gives up. Every leg keeps
    the call's start, caller and queue (TO); an agent who did not answer is a no-answer leg
    ending when their ringing stopped, the last leg ends the call as the single record did (its
    status, wait and talk). Any other record stays as it is."""
    if record.get("TO_TYPE") != QUEUE:
        return [record]
    talk = record["ANSWERED_DURATION"]
    wait = record["CALL_DURATION"] - talk
    legs = []
    for ended in range(QUEUE_RING_SECONDS, wait, QUEUE_RING_SECONDS):
        legs.append({**record, "CALL_DURATION": ended, "ANSWERED_DURATION": 0, "STATUS": NO_ANSWER})
    legs.append(dict(record))
    return legs


def shaped(records: list[dict], queue_records: str) -> list[dict]:
    """The records as a PBX writing queue calls in that shape ("legs": `queue_legs`) has them."""
    if queue_records != "legs":
        return records
    return [leg for record in records for leg in queue_legs(record)]


def _hour_weight(moment: dt.datetime) -> float:
    local = moment.astimezone(TASHKENT)
    return HOUR_WEIGHTS[local.hour] * DAY_WEIGHTS[local.weekday()]


def history(
    rng: random.Random, size: int, days: int, now: float, queue_records: str = ""
) -> list[dict]:
    """``size`` finished calls over the last ``days`` days, in hang-up order, with a few twins;
    customers' missed calls are called back soon, late or never (`CallFactory.callback_for`).

    ``queue_records`` ("call" or "legs") shapes the calls to the queue and the IVR as such
    calls end, written one record per call or one per leg (`queue_legs`: then there are more
    records than ``size``); empty: like any other call."""
    if size <= 0:
        return []
    factory = CallFactory(rng, queue_calls=bool(queue_records))
    first_hour = int(now - max(days, 1) * 86400) // 3600 * 3600
    hours = list(range(first_hour, int(now), 3600))
    weights = [_hour_weight(dt.datetime.fromtimestamp(h, dt.UTC)) for h in hours]
    twins = min(size // 200, 10)
    records = []
    wanted = size - twins
    for hour in rng.choices(hours, weights=weights, k=wanted):
        if len(records) >= wanted:
            break
        plan = factory.plan()
        start = hour + rng.randrange(3600)
        duration = plan.ring + plan.talk
        if start + duration >= now:  # still in progress: not in the history yet
            start = int(now) - duration - rng.randint(1, 600)
        records.append(plan.record(start))
        callback = factory.callback_for(plan)
        if callback is not None and len(records) < wanted:
            delay, back = callback
            back_start = start + duration + delay
            if back_start + back.ring + back.talk < now:
                records.append(back.record(back_start))
    # Two distinct calls can look identical (same second, numbers, durations): keep such twins.
    records += [dict(rng.choice(records)) for _ in range(twins)]
    records = shaped(records, queue_records)
    records.sort(key=lambda r: r["TIMESTAMP"] + r["CALL_DURATION"])
    return records


def recording_for(record: dict, number: int) -> dict | None:
    """The recording of an answered call that involved an extension, else None."""
    if record.get("STATUS") != ANSWERED:
        return None
    if record.get("FROM_TYPE") == LINE:
        extension, caller = record["FROM_NUM"], record["TO_NUM"]
    elif record.get("TO_TYPE") == LINE:
        extension, caller = record["TO_NUM"], record["FROM_NUM"]
    else:
        return None
    talk = record["ANSWERED_DURATION"]
    started = record["TIMESTAMP"] + record["CALL_DURATION"] - talk
    stamp = dt.datetime.fromtimestamp(started, TASHKENT).strftime("%Y%m%d-%H%M%S")
    return {
        "ID": f"rec-{number:06d}",
        "NAME": f"{stamp}_{extension}_{caller or 'unknown'}.wav",
        "EXTENSION": extension,
        "CALLER_ID": caller,
        "DURATION": talk,
        "STARTED": started,
    }


def company_line(record: dict) -> str:
    """The company line an inbound call dialled: the same for the same call every time."""
    seed = f"{record.get('TIMESTAMP')}|{record.get('FROM_NUM')}|{record.get('TO_NUM')}"
    return COMPANY_LINES[zlib.crc32(seed.encode()) % len(COMPANY_LINES)]

"""The notification rules at a million stored calls: what one evaluation of every rule costs.

The database is bench/seed_calls.py's (--db, seeded with --calls, a constant ~2,000 calls a day,
so 1,000,000 calls reach ~500 days back), its callbacks derived once (`manage.py
rebuild_callbacks`; done here when there are none). All five rules are switched on, with a
webhook channel (nothing is sent: the outbox is only written) and a supervisor and an operator as
recipients, and evaluated at a busy moment of the history: the newest working weekday at 11:00
Tashkent time.

Measured (median of --repeat runs, after one to warm up), each with its queries captured, timed
again on their own ("SQL", from this process: the round trips too) and EXPLAIN ANALYZEd
("executed": the sum of the plans' execution times, the database's own work; plans in
var/bench/plans/alert_rules/):

- each rule's evaluation in its steady state (the beat runs them every minute), and all together;
- the missed-call rule finding the calls of the last five minutes (the seed stores every call at
  once, so their first-seen times are set as a sync's would be, inside a rolled-back
  transaction);
- the overdue rule's first evaluation, a minute after it is switched on (it looks back 14 days
  for open callbacks not yet overdue);
- the service-level rule with its target at 100 %, so an incident is open (the worst case);
- the silence rule when the PBX has been silent for 20 minutes (its inbound calls of the last
  20 minutes deleted inside a transaction that is rolled back): it learns the usual number of
  calls from six weeks of history.

Goals: a few milliseconds per rule; no plan reads the calls or callbacks tables with a Seq Scan.

Usage: python bench/alert_rules.py [--db bench_alert_rules] [--calls 1000000] [--repeat 7]
"""

import argparse
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SEQ_SCAN = re.compile(r"Seq Scan on monitoring_call(back)?\b")
EXECUTION = re.compile(r"Execution Time: ([0-9.]+) ms")
PLANS_DIR = common.OUT_DIR / "plans" / "alert_rules"


class Rollback(Exception):
    """Leaves a measurement's transaction without keeping its changes."""


def explain_queries(name: str, captured) -> dict:
    """Each captured SELECT timed on its own and EXPLAINed; the plans are written to files."""
    from django.db import connection

    sql_seconds, plan_seconds, seq_scans = 0.0, 0.0, []
    with connection.cursor() as cursor:
        for index, query in enumerate(captured):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            seconds = time.perf_counter() - started
            sql_seconds += seconds
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            path = PLANS_DIR / f"{name}_{index:02d}.txt"
            path.write_text(f"-- {seconds * 1000:.2f} ms\n{sql}\n\n{plan}\n")
            executed = EXECUTION.search(plan)
            plan_seconds += float(executed.group(1)) / 1000 if executed else 0
            if SEQ_SCAN.search(plan):
                seq_scans.append(path.name)
    return {
        "queries": len(captured),
        "sql_ms": sql_seconds * 1000,
        "plan_ms": plan_seconds * 1000,
        "seq_scans": seq_scans,
    }


def measure(name: str, run, repeat: int, prepare=None, rolled_back=False) -> dict:
    """The median time of `run()` (after `prepare()`, untimed), then its queries explained. With
    `rolled_back`, each run's changes are undone (prepare's too)."""
    from django.db import connection, reset_queries, transaction
    from django.test.utils import CaptureQueriesContext

    def once(capture=False):
        try:
            with transaction.atomic():
                if prepare:
                    prepare()
                started = time.perf_counter()
                if capture:
                    reset_queries()  # DEBUG keeps at most 9,000 queries: start from none
                    with CaptureQueriesContext(connection) as captured:
                        run()
                    result = explain_queries(name, captured.captured_queries)
                else:
                    run()
                    result = {}
                result["seconds"] = time.perf_counter() - started
                if rolled_back:
                    raise Rollback(result)
                return result
        except Rollback as undone:
            return undone.args[0]

    once()
    times = [once()["seconds"] for _ in range(repeat)]
    result = once(capture=True)
    result["ms"] = statistics.median(times) * 1000
    result["runs_ms"] = [round(seconds * 1000, 2) for seconds in times]
    print(
        f"  {name:30} {result['ms']:7.2f} ms   SQL {result['sql_ms']:6.2f} ms"
        f"  executed {result['plan_ms']:5.2f} ms"
        f"  {result['queries']:3} queries  seq scans: {len(result['seq_scans'])}",
        flush=True,
    )
    return result


def busy_moment() -> datetime:
    """The newest working weekday (Monday to Friday) at 11:00 before the newest stored call."""
    from django.utils import timezone

    from monitoring.callbacks.hours import Calendar
    from monitoring.models import Call

    newest = timezone.localtime(Call.objects.order_by("-started_at").first().started_at)
    calendar = Calendar.load()
    moment = newest.replace(hour=11, minute=0, second=0, microsecond=0)
    while moment > newest or moment.weekday() > 4 or not calendar.is_open(moment):
        moment -= timedelta(days=1)
    return moment


def set_up(moment: datetime) -> dict:
    """The five rules switched on a month before `moment`, with a webhook and two recipients."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.models import OperatorProfile
    from accounts.roles import GROUP_NAMES, Role
    from alerts.models import Channel, Incident, Notification, Rule
    from providers.models import PbxConnection

    Notification.objects.all().delete()
    Incident.objects.all().delete()
    hook, _ = Channel.objects.get_or_create(
        name="Bench webhook",
        defaults={"kind": "webhook", "webhook_url": "http://127.0.0.1:9/", "webhook_secret": "s"},
    )
    users = get_user_model().objects
    supervisor, _ = users.get_or_create(username="bench-supervisor")
    supervisor.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.SUPERVISOR])[0])
    operator, _ = users.get_or_create(username="bench-operator")
    operator.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.OPERATOR])[0])
    pbx = PbxConnection.objects.get(name="Bench PBX")
    OperatorProfile.objects.get_or_create(user=operator, pbx=pbx, defaults={"extensions": "101"})
    from alerts.rules import EVALUATORS

    rules = {}
    for kind in EVALUATORS:  # the digests run on their own schedule
        rule, _ = Rule.objects.update_or_create(
            kind=kind,
            defaults={
                "enabled": True,
                "enabled_at": moment - timedelta(days=30),
                "checked_until": None,
                "target_percent": 80,
            },
        )
        rule.channels.set([hook])
        rule.recipients.set([supervisor, operator])
        rules[kind] = rule
    return {"rules": rules, "pbx": pbx}


def child(args) -> dict:
    import django

    django.setup()
    from django.db.models import F

    from alerts import rules as all_rules
    from alerts.models import Incident, Rule
    from alerts.rules import EVALUATORS
    from monitoring.callbacks import derive
    from monitoring.models import Call, Callback, Direction, SyncState

    PLANS_DIR.mkdir(parents=True, exist_ok=True)
    if not Callback.objects.exists():
        started = time.perf_counter()
        derive.rebuild()
        print(f"  callbacks derived in {time.perf_counter() - started:.0f} s", flush=True)
    moment = busy_moment()
    print(f"  evaluated at {moment:%Y-%m-%d %H:%M} (Tashkent)", flush=True)
    setup = set_up(moment)
    rules, pbx = setup["rules"], setup["pbx"]
    results = {}

    def fresh(kind):
        return Rule.objects.get(kind=kind)

    # The PBX synced a moment ago, as the health check expects.
    SyncState.objects.filter(pbx=pbx).update(last_success_at=moment - timedelta(seconds=20))
    for kind in EVALUATORS:
        EVALUATORS[kind](fresh(kind), moment)  # the steady state: past the first evaluation
        results[kind] = measure(kind, lambda k=kind: EVALUATORS[k](fresh(k), moment), args.repeat)
    results["all_rules"] = measure("all_rules", lambda: all_rules.evaluate_all(moment), args.repeat)

    missed = Rule.Kind.MISSED_CALL

    def new_calls():
        # The seed stored every call at once: as if the sync had stored each a minute after it
        # started, with the rule last run five minutes ago.
        Call.objects.filter(started_at__gte=moment - timedelta(hours=2)).update(
            first_seen_at=F("started_at") + timedelta(minutes=1)
        )
        Rule.objects.filter(kind=missed).update(checked_until=moment - timedelta(minutes=5))

    results["missed_call_new_calls"] = measure(
        "missed_call_new_calls",
        lambda: EVALUATORS[missed](fresh(missed), moment),
        args.repeat,
        prepare=new_calls,
        rolled_back=True,
    )

    overdue = Rule.Kind.CALLBACK_OVERDUE
    results["callback_overdue_first_look"] = measure(
        "callback_overdue_first_look",
        lambda: EVALUATORS[overdue](fresh(overdue), moment),
        args.repeat,
        prepare=lambda: Rule.objects.filter(kind=overdue).update(
            checked_until=None, enabled_at=moment - timedelta(minutes=1)
        ),
        rolled_back=True,
    )

    level = Rule.Kind.SERVICE_LEVEL
    Rule.objects.filter(kind=level).update(target_percent=100)
    EVALUATORS[level](fresh(level), moment)
    results["service_level_incident_open"] = measure(
        "service_level_incident_open",
        lambda: EVALUATORS[level](fresh(level), moment),
        args.repeat,
    )
    Rule.objects.filter(kind=level).update(target_percent=80)

    silence = Rule.Kind.INBOUND_SILENCE
    window = rules[silence].silence_minutes

    def silent():
        Incident.objects.filter(rule=silence).delete()
        SyncState.objects.filter(pbx=pbx).update(last_success_at=moment - timedelta(seconds=20))
        Call.objects.filter(
            pbx=pbx,
            direction=Direction.INBOUND,
            started_at__gte=moment - timedelta(minutes=window),
            started_at__lte=moment,
        ).delete()

    results["inbound_silence_detected"] = measure(
        "inbound_silence_detected",
        lambda: EVALUATORS[silence](fresh(silence), moment),
        args.repeat,
        prepare=silent,
        rolled_back=True,
    )
    return {
        "moment": moment.isoformat(),
        "calls": Call.objects.count(),
        "callbacks": Callback.objects.count(),
        "open_callbacks": Callback.objects.filter(state="open").count(),
        "results": results,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", default="bench_alert_rules", help="a benchmark database of your own"
    )
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    common.use_database(args.db)
    common.ensure_database(args.db)  # created if missing, migrated
    import psycopg

    with psycopg.connect(common.database_url(args.db)) as conn:
        stored = conn.execute("SELECT count(*) FROM monitoring_call").fetchone()[0]
    if stored < args.calls:
        seed = ["bench/seed_calls.py", "--calls", str(args.calls - stored)]
        subprocess.run([common.PYTHON, *seed], cwd=common.ROOT, check=True)
    payload = child(args)
    payload["machine"] = common.machine()
    print(f"written to {common.write_result('alert_rules', payload)}")


if __name__ == "__main__":
    main()

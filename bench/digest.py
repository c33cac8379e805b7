"""A digest's cost at send time: the figures and the XLSX attachment of one recipient's daily and
weekly digest, over a database seeded by bench/seed_calls.py.

Usage: DEBUG=true DATABASE_URL=postgres://.../DB python bench/digest.py [--repeat 3]

Each digest is rendered once to warm up, then --repeat times (median kept), for a superuser
(every call counted): with the e-mail attachment and without (Telegram).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from alerts.digests import render, schedule  # noqa: E402
from alerts.models import Rule  # noqa: E402
from monitoring.models import Call  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    user, _created = get_user_model().objects.get_or_create(
        username="bench-digest", defaults={"is_superuser": True}
    )
    last = Call.objects.aggregate(last=Max("started_at"))["last"] or timezone.now()
    for kind in (Rule.Kind.DAILY_DIGEST, Rule.Kind.WEEKLY_DIGEST):
        rule = Rule(kind=kind, digest_weekday=timezone.localtime(last).isoweekday())
        span = schedule.span(kind, schedule.last_moment(rule, last))
        rows = Call.objects.filter(started_at__gte=span.start, started_at__lt=span.end).count()
        for attached in (False, True):
            times, size = [], 0
            for _n in range(args.repeat + 1):
                started = time.perf_counter()
                message, _figures = render.render(
                    kind, span.params(), "en", user, with_attachment=attached
                )
                times.append(time.perf_counter() - started)
                size = sum(len(content) for _name, content, _type in message.attachments)
            label = "with XLSX" if attached else "figures only"
            print(
                f"{kind:14} {rows:6} calls  {label:12} median {statistics.median(times[1:]):.3f} s"
                f"  attachment {size / 1024:.0f} KiB"
            )


if __name__ == "__main__":
    main()

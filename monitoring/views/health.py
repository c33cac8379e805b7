"""The System health page: everything that must work for calls to appear, green or red."""

from django.shortcuts import render
from django.utils import timezone

from monitoring import health as checks


def health(request):
    now = timezone.now()
    pbxes = checks.pbx_health(now)
    system = checks.system_checks(now)
    all_ok = all(pbx.ok for pbx in pbxes) and all(check.ok is not False for check in system)
    return render(
        request,
        "monitoring/health.html",
        {"pbxes": pbxes, "system_checks": system, "all_ok": all_ok, "checked_at": now},
    )

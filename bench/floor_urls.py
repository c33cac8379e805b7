"""The project's URLs plus two pages that do no work of their own, for bench/pages.py.

They measure the floor every page stands on: ``/bench/bare/`` is a signed-in request through the
whole middleware (session, user, role, CSRF, locale, CSP) to a view that answers "ok", and
``/bench/layout/`` renders the page layout with nothing in it (context processors, menu, banners,
language switcher). Their names have no rule, so the role check runs as for an administrators'
page. Only the benchmark's child process uses this URLconf.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


def empty_layout(request):
    return render(request, "base.html")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/layout/", empty_layout, name="bench_layout"),
    path("", include("callcenter.urls")),
]

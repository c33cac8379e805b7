"""The error page for a database that does not answer.

Every page reads the database (the session, the user, the PBX banners), so when it is down the
request fails before any view runs. Instead of a bare server error, the answer is a static page
that needs nothing from the database: "database unreachable", status 503.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """Django's handler500, called while the failure is being handled (so it is at hand)."""
    if isinstance(sys.exc_info()[1], UNREACHABLE):
        response = HttpResponse(render_to_string("database_unreachable.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)

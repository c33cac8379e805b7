"""The outside systems notifications go to, each reached through one small module:
`telegram` (the Bot API over HTTP(S)), `email` (Django's SMTP backend), `webhook` (a signed JSON
POST). Each raises `DeliveryError` with the reason in words; none lets a secret into the reason."""

from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """A message was not delivered. `temporary`: worth trying again later."""

    def __init__(self, reason: str, temporary: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


def network_error(exc: requests.RequestException, url: str) -> DeliveryError:
    """The words for a failed HTTP request, naming the host only (a URL may carry a token)."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, requests.Timeout):
        return DeliveryError(_("%(host)s did not answer in time.") % {"host": host})
    if isinstance(exc, requests.ConnectionError):
        return DeliveryError(
            _("The network is unreachable: could not connect to %(host)s.") % {"host": host}
        )
    return DeliveryError(_("The request to %(host)s failed.") % {"host": host})

"""E-mail through Django's SMTP backend (EMAIL_URL), with a text and an HTML part, and files."""

import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.translation import gettext as _

from alerts.channels import TIMEOUT_SECONDS, DeliveryError


def send(address: str, subject: str, text: str, html: str, attachments=()) -> None:
    """Send a text and an HTML part, and each (filename, content, MIME type) attachment."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=get_connection(timeout=TIMEOUT_SECONDS),
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError(
            _("The mail server refused the address %(address)s.") % {"address": address},
            temporary=False,
        ) from None
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(_("The mail server refused the user name or password.")) from None
    except (smtplib.SMTPException, OSError) as exc:
        host = settings.EMAIL_HOST
        if isinstance(exc, (socket.timeout, TimeoutError)):
            reason = _("%(host)s did not answer in time.") % {"host": host}
        elif isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
            reason = _("The network is unreachable: could not connect to %(host)s.") % {
                "host": host
            }
        else:
            reason = _("The mail server did not accept the message.")
        raise DeliveryError(reason) from None

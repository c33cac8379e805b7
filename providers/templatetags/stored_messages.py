"""``{{ run.error|message }}``: a stored message in the reader's language (providers.messages)."""

from django import template

from providers.messages import words

register = template.Library()
register.filter("message", words)

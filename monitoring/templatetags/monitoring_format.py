"""The template filters of monitoring.formatting: `duration`, `ago` and `neutral`."""

from django import template

from monitoring import formatting

register = template.Library()

register.filter("duration", formatting.duration)
register.filter("ago", formatting.ago)
register.filter("neutral", formatting.neutral)

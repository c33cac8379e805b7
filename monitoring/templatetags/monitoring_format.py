"""The template filters of monitoring.formatting: `duration` and `ago`."""

from django import template

from monitoring import formatting

register = template.Library()

register.filter("duration", formatting.duration)
register.filter("ago", formatting.ago)

"""Links to the agent pages that keep the period the reader is looking at."""

from django.urls import reverse
from django.utils.http import urlencode

from monitoring.periods import Period, Preset


def period_query(period: Period) -> str:
    """The GET parameters that choose `period` again on another page."""
    if period.preset == Preset.CUSTOM:
        return urlencode({"period": period.preset, "start": period.first_day,
                          "end": period.last_day})  # fmt: skip
    return urlencode({"period": period.preset})


def agent_url(pbx_id: int, extension: str, period: Period | None = None) -> str:
    """One agent's page, for `period` when given."""
    url = reverse("agent_detail", kwargs={"pbx_id": pbx_id, "extension": extension})
    return f"{url}?{period_query(period)}" if period else url


def agents_table_url(period: Period, extension: str = "") -> str:
    """The agents table for `period`, narrowed to one extension when given."""
    query = period_query(period)
    if extension:
        query += "&" + urlencode({"extension": extension})
    return f"{reverse('agent_list')}?{query}"

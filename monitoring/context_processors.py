"""What every page's layout needs from monitoring: its two PBX banners."""

from django.utils.functional import SimpleLazyObject

from monitoring.health import SYNC_STATE_FIELDS, sync_problems
from providers.models import PbxConnection

# What the banners read of each enabled PBX.
BANNER_FIELDS = ("is_demo", *SYNC_STATE_FIELDS)


def share_enabled_pbxes(request, pbxes) -> None:
    """Hand the banners the enabled PBXes (model instances) that a view has read already: the
    page then needs no query of its own for them."""
    request._enabled_pbxes = [{name: _value(pbx, name) for name in BANNER_FIELDS} for pbx in pbxes]


def _value(pbx, lookup: str):
    """What ``values(lookup)`` would give for this instance (``sync_state__last_error``)."""
    value = pbx
    for name in lookup.split("__"):
        value = getattr(value, name)
    return value


def _enabled_pbxes(request) -> list[dict]:
    shared = getattr(request, "_enabled_pbxes", None)
    if shared is not None:
        return shared
    return list(PbxConnection.objects.filter(enabled=True).values(*BANNER_FIELDS))


def pbx_banners(request):
    """`sync_problems` (the sync-health banner) and `demo_pbx` (the demo-PBX notice), for
    signed-in users only.

    Both come from one small query over the enabled PBXes (none when the view shared the ones it
    read), and lazily: it runs only when a page's layout shows the banners, never for the
    fragments that htmx refreshes.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"sync_problems": [], "demo_pbx": False}
    pbxes = SimpleLazyObject(lambda: _enabled_pbxes(request))
    return {
        "sync_problems": SimpleLazyObject(lambda: sync_problems(pbxes=pbxes)),
        "demo_pbx": SimpleLazyObject(lambda: any(pbx["is_demo"] for pbx in pbxes)),
    }

"""What every page's layout needs from monitoring: its two PBX banners."""

from django.utils.functional import SimpleLazyObject

from monitoring.health import SYNC_STATE_FIELDS, sync_problems
from monitoring.models import Call
from providers.models import PbxConnection

# What the banners read of each enabled PBX.
BANNER_FIELDS = ("is_demo", *SYNC_STATE_FIELDS)


def _banners(pbxes) -> dict:
    """The banners' context from the enabled PBXes' BANNER_FIELDS, each read only when shown."""
    return {
        "sync_problems": SimpleLazyObject(lambda: sync_problems(pbxes=pbxes)),
        "demo_pbx": SimpleLazyObject(lambda: _demo_shown(pbxes)),
    }


def _demo_shown(pbxes) -> bool:
    """While a demo PBX is enabled, or its calls are still in the figures (it is disabled once a
    real PBX is configured, and its calls stay until removed).

    The demo PBXes are looked up first: a join would let PostgreSQL read the whole calls table
    when there is none, where one probe of the (pbx, key) index per demo PBX answers."""
    if any(pbx["is_demo"] for pbx in pbxes):
        return True
    demo_ids = list(PbxConnection.objects.filter(is_demo=True).values_list("pk", flat=True))
    return any(Call.objects.filter(pbx_id=pk).exists() for pk in demo_ids)


def pbx_banners_of(pbxes) -> dict:
    """The banners' context from the enabled PBXes (model instances) a view has read already,
    for the view's own context: the page then needs no query of its own for them (a view's
    context stands above the context processors')."""
    return _banners([{name: _value(pbx, name) for name in BANNER_FIELDS} for pbx in pbxes])


def _value(pbx, lookup: str):
    """What ``values(lookup)`` would give for this instance (``sync_state__last_error``; None
    where a related row does not exist)."""
    value = pbx
    for name in lookup.split("__"):
        value = getattr(value, name, None)  # None, as values() gives, for a missing state
    return value


def pbx_banners(request):
    """`sync_problems` (the sync-health banner) and `demo_pbx` (the demo-PBX notice, shown as
    long as demo calls are), for signed-in users only.

    Both come from one small query over the enabled PBXes (none when the view's context has its
    own, see `pbx_banners_of`), and lazily: it runs only when a page's layout shows the banners,
    never for the fragments that htmx refreshes.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"sync_problems": [], "demo_pbx": False}
    enabled = PbxConnection.objects.filter(enabled=True)
    return _banners(SimpleLazyObject(lambda: list(enabled.values(*BANNER_FIELDS))))

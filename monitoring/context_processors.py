"""What every page's layout needs from monitoring: its two PBX banners."""

from django.utils.functional import SimpleLazyObject

from monitoring.health import SYNC_STATE_FIELDS, sync_problems
from providers.models import PbxConnection


def pbx_banners(request):
    """`sync_problems` (the sync-health banner) and `demo_pbx` (the demo-PBX notice), for
    signed-in users only.

    Both come from one small query over the enabled PBXes, and lazily: it runs only when a page's
    layout shows the banners, never for the fragments that htmx refreshes.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"sync_problems": [], "demo_pbx": False}
    pbxes = SimpleLazyObject(
        lambda: list(
            PbxConnection.objects.filter(enabled=True).values("is_demo", *SYNC_STATE_FIELDS)
        )
    )
    return {
        "sync_problems": SimpleLazyObject(lambda: sync_problems(pbxes=pbxes)),
        "demo_pbx": SimpleLazyObject(lambda: any(pbx["is_demo"] for pbx in pbxes)),
    }

"""What every page's layout needs from monitoring: the sync-health banner."""

from django.utils.functional import SimpleLazyObject

from monitoring.health import sync_problems


def sync_health(request):
    """`sync_problems` for the banner, for signed-in users only.

    Lazy: the one small query runs only when a page's layout renders the banner, never for the
    fragments that htmx refreshes.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"sync_problems": []}
    return {"sync_problems": SimpleLazyObject(sync_problems)}

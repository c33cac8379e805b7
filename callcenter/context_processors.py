from django.conf import settings


def product(request):
    """What every page's layout needs: the languages for the switcher and the demo-PBX banner."""
    from providers.models import PbxConnection

    demo = False
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        demo = PbxConnection.objects.filter(is_demo=True, enabled=True).exists()
    return {"LANGUAGE_CHOICES": settings.LANGUAGES, "demo_pbx": demo}

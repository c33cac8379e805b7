from django.conf import settings


def product(request):
    """What every page's layout needs: the languages for the switcher. (The PBX banners come
    from monitoring.context_processors.pbx_banners.)"""
    return {"LANGUAGE_CHOICES": settings.LANGUAGES}

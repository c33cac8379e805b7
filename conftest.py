"""Shared test set-up: markers that need live services, and the standing users."""

import os

import pytest
from django.conf import settings

pytest_plugins = [
    "providers.kerio.simulator.fixtures",
    "accounts.testing",
    "browser_fixtures",  # after accounts.testing, whose administrator it signs in as
]


def _uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    """Tests marked as needing a service run only where that service is configured.

    REQUIRE_SERVICES (e.g. "postgres,redis,browser", as CI sets it) names services that must be
    there: their tests then fail instead of being skipped, so none of them is left out unseen.
    """
    from browser_fixtures import CHROMIUM

    reasons = {
        "postgres": None if _uses_postgres() else "DATABASE_URL does not point at PostgreSQL",
        "redis": None if os.environ.get("REDIS_URL") else "REDIS_URL is not set",
        "browser": None if os.path.exists(CHROMIUM) else "chromium is not installed",
    }
    required = {name.strip() for name in os.environ.get("REQUIRE_SERVICES", "").split(",")}
    missing = sorted(name for name in required & reasons.keys() if reasons[name])
    if missing:
        raise pytest.UsageError(
            "REQUIRE_SERVICES: " + "; ".join(f"{name}: {reasons[name]}" for name in missing)
        )
    for item in items:
        for marker, reason in reasons.items():
            if reason and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


PRODUCT_DEFAULT_LANGUAGE = "uz"


@pytest.fixture(autouse=True)
def english_unless_testing_languages(request):
    """Tests read English (the test run sets LANGUAGE_CODE=en, so the commands they start do too).
    Tests of the product's default language, Uzbek, say so with `@pytest.mark.default_language`;
    browser tests ask for their language like a browser does."""
    from django.test import override_settings
    from django.utils import translation

    if request.node.get_closest_marker("default_language"):
        with override_settings(LANGUAGE_CODE=PRODUCT_DEFAULT_LANGUAGE):
            yield
        return
    with translation.override("en"):
        yield


@pytest.fixture
def pbx(db):
    """A PBX connection that is never reached (providers.tests.factories.make_pbx), whose last
    sync has just succeeded."""
    from django.utils import timezone

    from monitoring.models import SyncState
    from providers.tests.factories import make_pbx

    pbx = make_pbx()
    SyncState.objects.filter(pk=pbx.pk).update(last_success_at=timezone.now())
    pbx.refresh_from_db()
    return pbx


@pytest.fixture
def private_cache(settings):
    """An empty in-memory cache of the test's own, for what the product caches (recording
    look-ups, the PBX's extension directory)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield cache
    cache.clear()

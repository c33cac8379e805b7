"""Calls to a PBX made while a page is being served (a recording lookup, the connection check).

The web server has few workers; a page that waits on a slow or hung PBX holds one of them, and
a few such pages would hold them all. So a page's PBX calls get a short timeout and no retries
(`page_settings`), a lookup of several calls stops at a deadline (`page_deadline`), and they run
inside `page_call(pbx)`, which lets at most PBX_PAGE_CALLS requests wait on one PBX at a time
(across all web processes, through the cache) and, once the PBX has timed out, answers "slow" at
once for PBX_SLOW_SECONDS instead of asking it again. The sync and the live poll, which run in
the worker, keep the connection's own timeout and retries.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import replace

import redis
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from providers.kerio import ConnectionSettings, ConnectionTimeout

logger = logging.getLogger(__name__)

# What the cache raises when Redis does not answer: the cap is then skipped, not the page.
_CACHE_DOWN = (redis.RedisError, OSError)


class PbxSlow(Exception):
    """The PBX is too slow for a page to wait on it now."""

    user_message = _("Kerio Operator is slow to answer right now. Try again in a minute.")


def page_settings(pbx) -> ConnectionSettings:
    """The connection's values with a page's short timeout and no retries."""
    values = pbx.connection_settings()
    timeout = min(values.timeout, float(settings.PBX_PAGE_TIMEOUT_SECONDS))
    return replace(values, timeout=timeout, retries=0)


def page_deadline() -> float:
    """When a page's lookup of several calls gives up (time.monotonic())."""
    return time.monotonic() + settings.PBX_PAGE_BUDGET_SECONDS


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise PbxSlow


@contextmanager
def page_call(pbx):
    """Run a page's calls to `pbx` in one of its few slots; PbxSlow when none is free or the PBX
    timed out lately. A timeout inside marks the PBX slow and is raised as PbxSlow."""
    if _cache_get(_slow_key(pbx)):
        raise PbxSlow
    slot = _take_slot(pbx)
    try:
        yield
    except (ConnectionTimeout, PbxSlow) as exc:
        logger.warning("%s is slow: pages stop asking it for %ss", pbx, settings.PBX_SLOW_SECONDS)
        _cache_call(cache.set, _slow_key(pbx), True, settings.PBX_SLOW_SECONDS)
        raise PbxSlow from exc
    finally:
        if slot:
            _cache_call(cache.delete, slot)


def _slow_key(pbx) -> str:
    return f"pbx-page-slow:{pbx.pk}"


def _take_slot(pbx) -> str:
    """A free slot's cache key ("" when the cache is down: no cap then); PbxSlow when none."""
    # A slot outlives a request that dies without freeing it by this long at most.
    held_for = int(settings.PBX_PAGE_BUDGET_SECONDS + 3 * settings.PBX_PAGE_TIMEOUT_SECONDS)
    for number in range(settings.PBX_PAGE_CALLS):
        key = f"pbx-page-slot:{pbx.pk}:{number}"
        try:
            if cache.add(key, 1, held_for):
                return key
        except _CACHE_DOWN as exc:
            logger.warning("The cache is unavailable; PBX calls from pages are not capped: %s", exc)
            return ""
    raise PbxSlow


def _cache_get(key: str):
    return _cache_call(cache.get, key)


def _cache_call(method, *args):
    try:
        return method(*args)
    except _CACHE_DOWN as exc:
        logger.warning("The cache is unavailable: %s", exc)
        return None

"""The cache as a convenience, not a dependency: when it (Redis) is down, reads miss and writes
are skipped, so a sync, a live poll or a recording lookup still works, only without the saving."""

import logging

import redis
from django.core.cache import cache

logger = logging.getLogger(__name__)

# What the Redis cache raises when Redis does not answer.
UNAVAILABLE = (redis.RedisError, OSError)


def get(key: str, default=None):
    try:
        return cache.get(key, default)
    except UNAVAILABLE as exc:
        logger.warning("The cache is unavailable, going without it: %s", exc)
        return default


def set(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except UNAVAILABLE as exc:
        logger.warning("The cache is unavailable, %s is not kept: %s", key, exc)

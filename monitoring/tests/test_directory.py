"""The PBX's extension directory: one loader for the sync and the live poll, read from the PBX at
most once a minute, the last copy known when the PBX refuses it."""

import time

import pytest
from django.core.cache import cache

from monitoring.directory import DIRECTORY_FRESH_SECONDS, cache_key, load_directory
from providers.kerio import AccessDenied, KerioClient
from providers.testing import simulator_connection

# Every test starts with no directory kept.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

LIST = "Server.getInternalDirectoryList"


def load(pbx):
    with KerioClient(pbx.connection_settings()) as client:
        return load_directory(client, pbx)


def test_a_copy_read_within_the_minute_is_used_without_asking_the_pbx(kerio_simulator):
    pbx = simulator_connection(kerio_simulator)
    first = load(pbx)

    second = load(pbx)

    assert second == first and "101" in first.numbers
    assert kerio_simulator.request_counts()[LIST] == 1


def test_an_older_copy_is_read_again(kerio_simulator):
    pbx = simulator_connection(kerio_simulator)
    stale = {"entries": [{"TEL_NUM": "999"}], "read_at": time.time() - DIRECTORY_FRESH_SECONDS - 1}
    cache.set(cache_key(pbx.pk), stale)

    directory = load(pbx)

    assert "999" not in directory.numbers and "101" in directory.numbers
    assert kerio_simulator.request_counts()[LIST] == 1


def test_a_refused_list_gives_the_last_copy_known(kerio_simulator, monkeypatch):
    pbx = simulator_connection(kerio_simulator)
    kept = {"entries": [{"TEL_NUM": "999"}], "read_at": time.time() - DIRECTORY_FRESH_SECONDS - 1}
    cache.set(cache_key(pbx.pk), kept)

    def refuse(self):
        raise AccessDenied("no rights", code=1004)

    monkeypatch.setattr(KerioClient, "extensions", refuse)

    assert load(pbx).numbers == frozenset({"999"})
    cache.clear()
    assert load(pbx).numbers == frozenset()  # the pattern alone remains

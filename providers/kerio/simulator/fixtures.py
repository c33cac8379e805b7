"""Pytest fixtures serving a simulated Kerio Operator over real HTTPS on a free port.

Registered from the root conftest through ``pytest_plugins``.
"""

import pytest

from . import KerioSimulator, SimulatorConfig

# A small world that is the same on every run: fixed seed and a pinned "now".
SMALL_WORLD = {"history_size": 200, "days": 3, "seed": 7, "now": 1_767_225_600.0}


@pytest.fixture(scope="session")
def kerio_simulator_cert_dir(tmp_path_factory):
    """One CA and certificate for every simulator of the test run."""
    return tmp_path_factory.mktemp("kerio-simulator-certs")


@pytest.fixture
def make_kerio_simulator(kerio_simulator_cert_dir):
    """``make_kerio_simulator(**config)`` starts a simulator; all are stopped after the test."""
    started: list[KerioSimulator] = []

    def make(**config) -> KerioSimulator:
        values = {**SMALL_WORLD, "cert_dir": kerio_simulator_cert_dir, **config}
        simulator = KerioSimulator(SimulatorConfig(**values))
        started.append(simulator)
        return simulator.start()

    yield make
    for simulator in started:
        simulator.stop()


@pytest.fixture
def kerio_simulator(make_kerio_simulator):
    """A TLS simulator with 200 deterministic calls and no live traffic."""
    return make_kerio_simulator()


@pytest.fixture
def quick_retries(monkeypatch):
    """The client's retry pauses, shortened so failure tests stay fast (for a test file:
    ``pytestmark = pytest.mark.usefixtures("quick_retries")``)."""
    from providers.kerio.transport import Transport

    monkeypatch.setattr(Transport, "delay", lambda self, retry: 0.01)

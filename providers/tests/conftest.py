import pytest

from providers.tests.factories import connect


@pytest.fixture
def sim_pbx(kerio_simulator, db):
    """A PBX connection to the simulator."""
    return connect(kerio_simulator, name="Simulator")

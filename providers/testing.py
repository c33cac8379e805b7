"""A test helper: the connection to a running Kerio simulator, saved as the settings page saves
it (the password encrypted)::

    pbx = simulator_connection(kerio_simulator)
    pbx = simulator_connection(sim, name="Branch", password="wrong")
"""

from providers.models import PbxConnection
from providers.services import save_pbx_connection


def simulator_connection(simulator, name: str = "Simulator", **fields) -> PbxConnection:
    values = {
        "password": simulator.config.password,
        "host": simulator.host,
        "port": simulator.port,
        "username": simulator.config.username,
        "ca_file": simulator.ca_file,
        "timeout_seconds": 5,
    }
    return save_pbx_connection(name, **{**values, **fields})

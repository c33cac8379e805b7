"""What the tests build of the providers app: PBX connections, plain or pointing at the simulator.

Tests of other apps use these too (`monitoring.tests.factories` builds on them).
"""

from providers.models import PbxConnection
from providers.testing import simulator_connection

PBX_PASSWORD = "Pbx-secret-1"


def make_pbx(name="Main", **fields) -> PbxConnection:
    """A PBX connection that is never reached (pbx.example.uz)."""
    values = {"host": "pbx.example.uz", "username": "admin", "password": PBX_PASSWORD}
    return PbxConnection.objects.create(name=name, **{**values, **fields})


def connect(simulator, name="PBX", **fields) -> PbxConnection:
    """A PBX connection to the simulator (`providers.testing.simulator_connection`) that verifies
    its certificate, as the sync's tests connect."""
    return simulator_connection(
        simulator, name=name, **{"use_tls": True, "verify_tls": True, **fields}
    )

"""The dashboard's per-extension figures name the agents from the PBX's directory and list the
service numbers (the IVR, the call queue) apart: "answered" among agents means by a person."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.agents import agents_and_services
from monitoring.models import Call, CallStatus, Direction
from monitoring.sync import sync_pbx
from providers.directory import directory_of, store_directory
from providers.models import DirectoryEntry
from providers.testing import simulator_connection

pytestmark = pytest.mark.django_db

DIRECTORY = [
    {"TEL_NUM": "101", "DESCRIPTION": "Dilnoza Karimova", "EXTENSION_TYPE_ID": 1},
    {"TEL_NUM": "700", "DESCRIPTION": "Ovozli menyu", "EXTENSION_TYPE_ID": 6},
    {"TEL_NUM": "800", "DESCRIPTION": "Navbat", "EXTENSION_TYPE_ID": 5},
]


def _call(pbx, key, extension, status=CallStatus.ANSWERED):
    return Call.objects.create(
        pbx=pbx, key=key, started_at=timezone.now(), direction=Direction.INBOUND,
        from_number="+998901234567", to_number=extension, extension=extension, status=status,
        raw={},
    )  # fmt: skip


def _row(extension, **figures):
    return {"extension": extension, "calls": 1, "answered": 1, "missed": 0, "talk": 0,
            "average_talk": None, **figures}  # fmt: skip


def test_rows_split_into_named_agents_and_service_numbers_in_order(pbx):
    store_directory(pbx, DIRECTORY)
    agents, services = agents_and_services(
        [_row("700", calls=9), _row("101", calls=5), _row("555"), _row("800")], directory_of()
    )
    assert [(row["extension"], row["name"]) for row in agents] == [
        ("101", "Dilnoza Karimova"),
        ("555", ""),  # not in the directory: a person's line the pattern made internal
    ]
    assert [(row["extension"], row["kind"]) for row in services] == [
        ("700", "IVR"),
        ("800", "Call queue"),
    ]


def test_the_dashboard_counts_only_people_as_answering_agents(admin_client, pbx):
    store_directory(pbx, DIRECTORY)
    _call(pbx, "a", "101")
    _call(pbx, "b", "700")
    _call(pbx, "c", "700")
    html = admin_client.get(reverse("dashboard")).content.decode()
    agents = html[html.index('id="extensions"') : html.index('id="service-numbers"')]
    services = html[html.index('id="service-numbers"') :].split("</table>")[0]
    assert re.search(r'data-extension="101">\s*<th scope="row">'
                     r'<a href="/agents/\d+/101/[^"]*">101</a>'
                     r' <span class="agent-name">Dilnoza Karimova</span>', agents)  # fmt: skip
    assert 'data-extension="700"' not in agents
    row_700 = services[services.index('data-extension="700"') :].split("</tr>")[0]
    assert "Ovozli menyu · IVR" in row_700
    assert re.findall(r'<td class="num">(\d+)</td>', row_700)[:2] == ["2", "2"]


def test_the_sync_keeps_the_pbxs_directory(pbx, make_kerio_simulator, private_cache):
    simulator = make_kerio_simulator(history_size=5)
    synced = simulator_connection(simulator, name="Sim")
    sync_pbx(synced)
    stored = {e.number: (e.name, e.kind) for e in DirectoryEntry.objects.filter(pbx=synced)}
    assert stored["101"] == ("Dilnoza Karimova", DirectoryEntry.Kind.LINE)
    assert stored["700"][1] == DirectoryEntry.Kind.IVR
    assert len(stored) == 23

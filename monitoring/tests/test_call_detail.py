"""A call's page: its fields, the raw Kerio record, and its recording streamed through us."""

import datetime as dt
import socket

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from monitoring.tests.factories import connect, make_call, make_pbx, recorded_call

HTMX = {"HTTP_HX_REQUEST": "true"}


pytestmark = pytest.mark.usefixtures("private_cache")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_shows_every_field_and_the_raw_record(admin_client, db):
    pbx = make_pbx()
    call = make_call(
        pbx,
        from_name="Alisher Navoiy",
        status_code=4,
        raw={"FROM_NUM": "+998901234567", "CALL_DURATION": 60, "EXTRA": "kept"},
    )
    html = admin_client.get(reverse("call_detail", args=[call.pk])).content.decode()
    assert "Alisher Navoiy" in html
    assert "+998901234567" in html
    assert 'href="/numbers/901234567/"' in html
    assert "&quot;EXTRA&quot;: &quot;kept&quot;" in html
    assert "&quot;CALL_DURATION&quot;: 60" in html


def test_it_escapes_a_script_in_a_name_and_in_the_raw_record(admin_client, db):
    pbx = make_pbx()
    script = "<script>alert(1)</script>"
    call = make_call(pbx, from_name=script, raw={"FROM_NAME": script})
    html = admin_client.get(reverse("call_detail", args=[call.pk])).content.decode()
    assert script not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_does_not_wait_for_kerio(admin_client, db):
    pbx = make_pbx(host="127.0.0.1", port=closed_port(), timeout_seconds=1)
    call = make_call(pbx)
    response = admin_client.get(reverse("call_detail", args=[call.pk]))
    html = response.content.decode()
    assert f'hx-get="{reverse("call_recording", args=[call.pk])}"' in html
    assert "<audio" not in html


def test_it_plays_the_recording_kerio_has_for_the_call(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, name="Simulator")
    call = recorded_call(kerio_simulator, pbx)
    response = admin_client.get(reverse("call_recording", args=[call.pk]), **HTMX)
    html = response.content.decode()
    audio_url = reverse("call_recording_audio", args=[call.pk])
    assert f'<audio controls preload="none" src="{audio_url}">' in html


def test_it_says_there_is_no_recording_when_none_matches(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, name="Simulator")
    recording = kerio_simulator.recordings()[0]
    # The same parties an hour earlier: not the recorded call.
    call = recorded_call(kerio_simulator, pbx, recording)
    call.started_at -= dt.timedelta(hours=1)
    call.save()
    html = admin_client.get(reverse("call_recording", args=[call.pk]), **HTMX).content.decode()
    assert "<audio" not in html
    assert "No recording found" in html


def test_it_does_not_take_another_extensions_recording(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, name="Simulator")
    recording = kerio_simulator.recordings()[0]
    call = recorded_call(
        kerio_simulator, pbx, recording, extension="999", to_number="999", from_number="555"
    )
    html = admin_client.get(reverse("call_recording", args=[call.pk]), **HTMX).content.decode()
    assert "<audio" not in html


def test_the_stream_carries_the_recordings_bytes(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, name="Simulator")
    call = recorded_call(kerio_simulator, pbx)
    response = admin_client.get(reverse("call_recording_audio", args=[call.pk]))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == kerio_simulator.wav_bytes
    assert response["Content-Type"].startswith("audio/")


def test_the_recording_plays_inline_and_is_never_sniffed(admin_client, kerio_simulator):
    call = recorded_call(kerio_simulator, connect(kerio_simulator, name="Simulator"))
    response = admin_client.get(reverse("call_recording_audio", args=[call.pk]))
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("inline; ")
    assert response["X-Content-Type-Options"] == "nosniff"


HOSTILE_PAGE = b"<script>fetch('/calls/export.csv').then(r => r.text()).then(alert)</script>"


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "text/html; charset=utf-8", "application/javascript", "image/svg+xml",
     "audio/../text/html", "", "AUDIO/WAV X-Evil: 1"],
)  # fmt: skip
def test_a_pbx_answering_anything_but_audio_gets_a_download_not_a_page(
    admin_client, make_kerio_simulator, content_type
):
    """A PBX reached without TLS verification, or taken over, may answer a page of scripts:
    it must never run on our origin."""
    sim = make_kerio_simulator(download_content_type=content_type, download_body=HOSTILE_PAGE)
    call = recorded_call(sim, connect(sim, name="Simulator"))
    response = admin_client.get(reverse("call_recording_audio", args=[call.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == HOSTILE_PAGE  # nothing lost, nothing run


@pytest.mark.parametrize(
    ("announced", "served"),
    [
        ("call\r\nSet-Cookie: sessionid=stolen.wav", "call__Set-Cookie__sessionid_stolen.wav"),
        ('rec"; filename="evil.html', "rec___filename__evil.html"),
        ("запись 101.wav", "101.wav"),
        ("../../etc/passwd", "etc_passwd"),
        ("\r\n", "call-{pk}"),
    ],
)
def test_the_recordings_file_name_is_made_safe_for_the_header(
    admin_client, make_kerio_simulator, announced, served
):
    sim = make_kerio_simulator(download_name=announced)
    call = recorded_call(sim, connect(sim, name="Simulator"))
    response = admin_client.get(reverse("call_recording_audio", args=[call.pk]))
    assert response.status_code == 200
    expected = served.format(pk=call.pk)
    assert response["Content-Disposition"] == f'inline; filename="{expected}"'
    assert b"".join(response.streaming_content) == sim.wav_bytes


def test_without_javascript_the_page_looks_the_recording_up_itself(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, name="Simulator")
    call = recorded_call(kerio_simulator, pbx)
    response = admin_client.get(reverse("call_recording", args=[call.pk]))
    assert response.status_code == 302
    html = admin_client.get(response["Location"]).content.decode()
    assert reverse("call_recording_audio", args=[call.pk]) in html


def test_a_pbx_that_is_down_is_explained_in_words(admin_client, db):
    pbx = make_pbx(host="127.0.0.1", port=closed_port(), timeout_seconds=1)
    call = make_call(pbx)
    response = admin_client.get(reverse("call_recording", args=[call.pk]), **HTMX)
    assert response.status_code == 200
    assert "refused the connection" in response.content.decode()
    audio = admin_client.get(reverse("call_recording_audio", args=[call.pk]))
    assert audio.status_code == 502
    assert "refused the connection" in audio.content.decode()


def test_the_kerio_password_never_reaches_the_browser(admin_client, kerio_simulator):
    pbx = connect(kerio_simulator, name="Simulator")
    call = recorded_call(kerio_simulator, pbx)
    pages = [
        admin_client.get(reverse("call_detail", args=[call.pk])),
        admin_client.get(reverse("call_recording", args=[call.pk]), **HTMX),
        admin_client.get(reverse("call_detail", args=[call.pk]) + "?recording=1"),
        admin_client.get(reverse("call_list")),
    ]
    for page in pages:
        assert kerio_simulator.config.password not in page.content.decode()

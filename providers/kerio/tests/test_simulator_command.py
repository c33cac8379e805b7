"""``manage.py kerio_simulator`` starts a demo PBX, tells how to reach it, and stops on Ctrl-C."""

import io

import pytest
from django.core.management import CommandError, call_command

from providers.kerio.simulator import KerioSimulator
from providers.management.commands import kerio_simulator as command


def _interrupt():
    raise KeyboardInterrupt


@pytest.fixture
def ctrl_c(monkeypatch):
    """Ctrl-C as soon as the simulator is up."""
    monkeypatch.setattr(command.Command, "wait_until_stopped", staticmethod(_interrupt))


def test_it_prints_the_url_the_ca_file_and_the_credentials_of_the_demo_pbx(ctrl_c, tmp_path):
    out = io.StringIO()

    call_command("kerio_simulator", "--port", "0", "--cert-dir", str(tmp_path),
                 "--history-size", "10", stdout=out)  # fmt: skip

    text = out.getvalue()
    assert "DEMO PBX" in text
    assert "https://127.0.0.1:" in text
    assert str(tmp_path / "ca.pem") in text
    assert "admin" in text and "demo-password" in text
    assert "stopped" in text


def test_a_password_from_a_file_is_used_but_not_printed(ctrl_c, tmp_path, monkeypatch):
    secret = tmp_path / "password"
    secret.write_text("From-File-9\n")
    started = []

    class Recorded(KerioSimulator):
        def start(self):
            started.append(self)
            return super().start()

    monkeypatch.setattr(command, "KerioSimulator", Recorded)
    out = io.StringIO()

    call_command("kerio_simulator", "--port", "0", "--no-tls", "--history-size", "5",
                 "--password-file", str(secret), stdout=out)  # fmt: skip

    assert started[0].config.password == "From-File-9"
    assert started[0].config.tls is False
    assert "From-File-9" not in out.getvalue()


def test_an_empty_password_variable_is_refused(monkeypatch):
    monkeypatch.delenv("NO_SUCH_PBX_PASSWORD", raising=False)

    with pytest.raises(CommandError):
        call_command("kerio_simulator", "--password-env", "NO_SUCH_PBX_PASSWORD")

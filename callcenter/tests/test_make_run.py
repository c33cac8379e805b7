"""The steps `make run` takes before it starts the processes."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from providers.models import PbxConnection


@pytest.mark.django_db
def test_it_creates_a_demo_administrator_once_and_prints_the_login():
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    user = get_user_model().objects.get()
    assert user.is_superuser
    password = out.getvalue().split("password:")[1].split()[0]
    assert user.check_password(password)

    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert again.getvalue() == ""
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_it_starts_the_demo_pbx_when_no_real_pbx_exists(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    processes = tmp_path / "processes"
    call_command("demo_pbx", processes_file=str(processes), stdout=StringIO())
    assert processes.read_text().split() == ["web", "worker", "demopbx"]
    demo = PbxConnection.objects.get()
    assert demo.is_demo and demo.enabled
    assert demo.password  # kept encrypted, read back through the field


@pytest.mark.django_db
def test_it_leaves_the_demo_pbx_out_when_a_real_pbx_is_configured(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    PbxConnection.objects.create(name="Office", host="pbx.example.uz", username="api", password="s")
    call_command("demo_pbx", processes_file=str(tmp_path / "p"), stdout=StringIO())
    assert (tmp_path / "p").read_text().split() == ["web", "worker"]
    assert not PbxConnection.objects.filter(is_demo=True, enabled=True).exists()

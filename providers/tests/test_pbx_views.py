"""Settings → Kerio Operator: the connection form and the "Tekshirish" (check) button."""

from django.urls import reverse

from accounts.models import AuditEntry
from providers.messages import words
from providers.models import PbxConnection
from providers.tests.factories import PBX_PASSWORD, connect

HTMX = {"HTTP_HX_REQUEST": "true"}
SECRET = PBX_PASSWORD  # the conftest's PBX is saved with it


def form_data(**overrides):
    data = {
        "name": "Main",
        "host": "pbx.example.uz",
        "port": "4021",
        "username": "admin",
        "password": SECRET,
        "use_tls": "on",
        "verify_tls": "on",
        "ca_file": "",
        "timeout_seconds": "15",
        "enabled": "on",
        "internal_number_pattern": r"^\d{2,5}$",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def simulator_form(sim, **overrides):
    values = {
        "name": "Simulator",
        "host": sim.host,
        "port": str(sim.port),
        "username": sim.config.username,
        "password": sim.config.password,
        "ca_file": sim.ca_file,
        "timeout_seconds": "5",
    }
    return form_data(**{**values, **overrides})


def test_it_creates_a_connection(admin_client, db):
    response = admin_client.post(reverse("pbx_create"), form_data(use_tls=None))
    pbx = PbxConnection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pbx_edit", args=[pbx.pk])
    assert (pbx.host, pbx.port, pbx.username, pbx.use_tls) == (
        "pbx.example.uz",
        4021,
        "admin",
        False,
    )
    assert pbx.password == SECRET


def test_it_keeps_the_stored_password_when_the_field_is_empty(admin_client, pbx):
    admin_client.post(
        reverse("pbx_edit", args=[pbx.pk]), form_data(password="", timeout_seconds="30")
    )
    pbx.refresh_from_db()
    assert pbx.timeout_seconds == 30
    assert pbx.password == SECRET


def test_it_renames_a_connection_without_making_a_second_one(admin_client, pbx):
    admin_client.post(reverse("pbx_edit", args=[pbx.pk]), form_data(name="Head office"))
    assert list(PbxConnection.objects.values_list("pk", "name")) == [(pbx.pk, "Head office")]


def test_a_rename_is_in_the_audit_log_with_the_old_and_new_name(admin_client, admin_user, pbx):
    admin_client.post(reverse("pbx_edit", args=[pbx.pk]), form_data(name="Head office"))
    entry = AuditEntry.objects.filter(
        object_type="providers.PbxConnection", object_id=str(pbx.pk), action="update"
    ).get()
    assert entry.changes["name"] == ["Main", "Head office"]
    assert entry.user == admin_user and entry.object_repr == "Head office"


def test_bad_values_are_field_errors(admin_client, pbx):
    response = admin_client.post(
        reverse("pbx_edit", args=[pbx.pk]), form_data(host="https://x", port="0")
    )
    assert set(response.context["form"].errors) == {"host", "port"}
    pbx.refresh_from_db()
    assert pbx.host == "pbx.example.uz"


def test_the_password_is_in_no_page(admin_client, pbx):
    for url in (reverse("pbx_list"), reverse("pbx_edit", args=[pbx.pk]), reverse("settings")):
        html = admin_client.get(url).content.decode()
        assert "pbx.example.uz" in html
        assert SECRET not in html


def test_check_of_the_saved_connection_shows_the_version(admin_client, sim_pbx):
    response = admin_client.post(reverse("pbx_check", args=[sim_pbx.pk]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment
    assert "Kerio Operator 2.6.3 build 7432" in html
    assert html.count('class="ok"') == 6
    assert 'class="failed"' not in html
    sim_pbx.refresh_from_db()
    assert sim_pbx.last_check_ok is True
    assert "2.6.3" in words(sim_pbx.last_check_message)
    assert sim_pbx.last_check_at is not None


def test_check_of_a_hung_pbx_waits_one_short_timeout_without_retries(
    admin_client, sim_pbx, kerio_simulator, settings
):
    settings.PBX_PAGE_TIMEOUT_SECONDS = 1
    PbxConnection.objects.filter(pk=sim_pbx.pk).update(timeout_seconds=60)
    kerio_simulator.faults.delay = 30
    kerio_simulator.faults.fail_method("Session.login", 10, "timeout")
    html = admin_client.post(reverse("pbx_check", args=[sim_pbx.pk]), **HTMX).content.decode()
    assert 'class="failed"' in html
    assert "did not answer in time" in html
    assert kerio_simulator.request_counts()["Session.login"] == 1


def test_check_with_a_wrong_password_says_the_login_failed(admin_client, kerio_simulator, db):
    sim_pbx = connect(
        kerio_simulator, name="Simulator", username="admin", password="wrong-password"
    )
    html = admin_client.post(reverse("pbx_check", args=[sim_pbx.pk]), **HTMX).content.decode()
    assert "Login failed: wrong user name or password" in html
    assert "User name or password is incorrect." in html
    assert "wrong-password" not in html
    sim_pbx.refresh_from_db()
    assert sim_pbx.last_check_ok is False
    assert "Login failed" in words(sim_pbx.last_check_message)


def test_check_uses_the_forms_unsaved_values_and_the_stored_password(
    admin_client, kerio_simulator, sim_pbx
):
    sim_pbx.timeout_seconds = 1
    sim_pbx.save()
    data = simulator_form(kerio_simulator, password="", name="Renamed")
    html = admin_client.post(reverse("pbx_check", args=[sim_pbx.pk]), data, **HTMX).content
    assert "2.6.3 build 7432" in html.decode()
    sim_pbx.refresh_from_db()
    # What was checked is not what is saved: the saved record's state is left alone.
    assert sim_pbx.last_check_at is None
    assert (sim_pbx.name, sim_pbx.timeout_seconds) == ("Simulator", 1)


def test_check_of_a_new_connection_needs_no_saving(admin_client, kerio_simulator, db):
    data = simulator_form(kerio_simulator)
    html = admin_client.post(reverse("pbx_check_new"), data, **HTMX).content.decode()
    assert "2.6.3 build 7432" in html
    assert not PbxConnection.objects.exists()


def test_check_of_an_incomplete_form_lists_what_to_fix(admin_client, db):
    html = admin_client.post(
        reverse("pbx_check_new"), form_data(host="", password=""), **HTMX
    ).content.decode()
    assert "Correct the form first" in html
    assert "This field is required." in html


def test_check_works_without_javascript(admin_client, sim_pbx):
    response = admin_client.post(reverse("pbx_check", args=[sim_pbx.pk]))
    html = response.content.decode()
    assert "<html" in html
    assert 'id="pbx-form"' in html
    assert "Kerio Operator 2.6.3 build 7432" in html
    assert sim_pbx.password not in html


def test_check_is_post_only(admin_client, sim_pbx):
    assert admin_client.get(reverse("pbx_check", args=[sim_pbx.pk])).status_code == 405


def test_the_list_shows_the_last_check(admin_client, sim_pbx):
    admin_client.post(reverse("pbx_check", args=[sim_pbx.pk]), **HTMX)
    html = admin_client.get(reverse("pbx_list")).content.decode()
    assert "Check passed" in html
    assert reverse("sync_run_list", args=[sim_pbx.pk]) in html
    assert reverse("sync_now", args=[sim_pbx.pk]) in html

"""The Settings pages in a real browser: the SIP provider form and the "Tekshirish" button."""

import pytest

from browser_fixtures import screenshot
from providers.models import SipTrunk
from providers.tests.factories import make_pbx

pytestmark = pytest.mark.browser

SECRET = "Bell-Browser-Secret-9"


def test_a_sip_provider_is_validated_saved_and_its_password_never_shown(page, live_server):
    page.goto(f"{live_server.url}/settings/")
    screenshot(page, "settings-index-empty")
    page.click("text=Add SIP provider")
    page.fill("#id_name", "BellUZ")
    page.fill("#id_server", "bell.uz")
    page.fill("#id_login", "company-login")
    page.fill("#id_password", SECRET)
    page.fill("#id_port", "70000")
    page.click("input[type=submit].default")
    error = page.locator(".field-port .errorlist")
    assert "65535" in error.inner_text()
    assert not SipTrunk.objects.exists()
    assert SECRET not in page.content()
    screenshot(page, "sip-form-error")

    page.fill("#id_port", "5060")
    page.fill("#id_password", SECRET)
    page.click("input[type=submit].default")
    page.wait_for_url("**/settings/sip/")
    trunk = SipTrunk.objects.get()
    assert (trunk.name, trunk.port, trunk.password) == ("BellUZ", 5060, SECRET)
    screenshot(page, "sip-list")

    pages = [
        "/settings/",
        "/settings/sip/",
        f"/settings/sip/{trunk.pk}/",
        f"/settings/sip/{trunk.pk}/delete/",
        "/admin/providers/siptrunk/",
        f"/admin/providers/siptrunk/{trunk.pk}/change/",
        f"/admin/providers/siptrunk/{trunk.pk}/history/",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        assert "BellUZ" in page.content()
        assert SECRET not in page.content(), path
    page.goto(f"{live_server.url}/settings/sip/{trunk.pk}/")
    assert page.input_value("#id_password") == ""
    screenshot(page, "sip-edit")


def test_tekshirish_shows_the_version_or_the_login_failure(page, live_server, sim_pbx):
    page.goto(f"{live_server.url}/settings/kerio/{sim_pbx.pk}/")
    page.click("#check-button")
    outcome = page.locator("#check-outcome")
    outcome.wait_for()
    assert "Kerio Operator 2.6.3 build 7432" in outcome.inner_text()
    assert outcome.locator("li.ok").count() == 6
    assert page.url.endswith(f"/settings/kerio/{sim_pbx.pk}/")  # a fragment, not a new page
    screenshot(page, "kerio-check-ok")

    page.fill("#id_password", "not-the-password")
    page.click("#check-button")
    page.locator("#check-outcome .verdict.bad").wait_for()
    failed = page.locator("#check-outcome li.failed")
    assert "Login failed: wrong user name or password" in failed.inner_text()
    assert "not-the-password" not in page.locator("#check-outcome").inner_text()
    screenshot(page, "kerio-check-failed")

    page.goto(f"{live_server.url}/settings/kerio/")
    assert "Check passed" in page.content()
    assert sim_pbx.password not in page.content()
    screenshot(page, "kerio-list")
    page.goto(f"{live_server.url}/settings/")
    screenshot(page, "settings-index")


def test_the_appliance_certificate_is_trusted_from_the_check_on_a_phone(
    page, live_server, make_kerio_simulator, transactional_db
):
    appliance = make_kerio_simulator(certificate="self_signed_cn")
    pbx = make_pbx(
        "Office", host=appliance.host, port=appliance.port, username="admin",
        password=appliance.config.password, timeout_seconds=5,
    )  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/settings/kerio/{pbx.pk}/")

    page.click("#check-button")
    page.locator("#trust-certificate").wait_for()
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shown = page.locator("#presented-certificate").inner_text().replace(":", "").lower()
    screenshot(page, "kerio-check-certificate-phone")
    page.click("#trust-certificate")
    page.wait_for_url(f"**/settings/kerio/{pbx.pk}/")
    page.click("#check-button")
    page.locator("#check-outcome .verdict.ok").wait_for()

    assert fits
    assert appliance.certificate_fingerprint in shown
    pbx.refresh_from_db()
    assert pbx.connection_settings().tls_fingerprint == appliance.certificate_fingerprint

"""Settings pages: the SIP provider records and the Kerio Operator connections.

Who may open them is decided by URL name (accounts.rules): administrators only.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.models import AuditEntry
from providers.forms import PbxConnectionForm, SipTrunkForm
from providers.kerio import CheckResult, check_connection
from providers.kerio.tls import format_fingerprint, normalize_fingerprint
from providers.messages import from_error, message, words
from providers.models import PbxConnection, SipTrunk
from providers.page_calls import page_settings
from providers.services import save_pbx_connection
from providers.session_keeper import keeper_for, logins_paused, resume_logins


def settings_index(request):
    return render(
        request,
        "providers/settings_index.html",
        {
            "trunks": SipTrunk.objects.all()[:10],
            "connections": PbxConnection.objects.all()[:10],
        },
    )


# -- SIP providers ------------------------------------------------------------------------------


def sip_trunk_list(request):
    trunks = SipTrunk.objects.only("name", "server", "login", "port", "transport", "updated_at")
    return render(request, "providers/sip_trunk_list.html", {"trunks": trunks})


def sip_trunk_create(request):
    return _sip_trunk_form(request, SipTrunk())


def sip_trunk_edit(request, pk):
    return _sip_trunk_form(request, get_object_or_404(SipTrunk, pk=pk))


def _sip_trunk_form(request, trunk: SipTrunk):
    creating = trunk.pk is None
    form = SipTrunkForm(request.POST or None, instance=trunk)
    if request.method == "POST" and form.is_valid():
        trunk = form.save()
        messages.success(request, _("SIP provider “%(name)s” was saved.") % {"name": trunk.name})
        return redirect("sip_trunk_list")
    return render(
        request,
        "providers/sip_trunk_form.html",
        {"form": form, "trunk": trunk, "creating": creating},
    )


def sip_trunk_delete(request, pk):
    trunk = get_object_or_404(SipTrunk, pk=pk)
    if request.method == "POST":
        trunk.delete()
        messages.success(request, _("SIP provider “%(name)s” was deleted.") % {"name": trunk.name})
        return redirect("sip_trunk_list")
    return render(request, "providers/sip_trunk_confirm_delete.html", {"trunk": trunk})


# -- Kerio Operator connections -------------------------------------------------------------------


def pbx_list(request):
    return render(request, "providers/pbx_list.html", {"connections": PbxConnection.objects.all()})


def pbx_create(request):
    return _pbx_form(request, PbxConnection())


def pbx_edit(request, pk):
    return _pbx_form(request, get_object_or_404(PbxConnection, pk=pk))


def _pbx_form(request, pbx: PbxConnection):
    creating = pbx.pk is None
    form = PbxConnectionForm(request.POST or None, request.FILES or None, instance=pbx)
    if request.method == "POST" and form.is_valid():
        try:
            pbx = _save_pbx(pbx.pk, form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Kerio Operator connection “%(name)s” was saved.") % {"name": pbx.name}
            )
            return redirect("pbx_edit", pk=pbx.pk)
    return render(
        request,
        "providers/pbx_form.html",
        {"form": form, "pbx": pbx, "creating": creating, **_login_pause(pbx)},
    )


def _save_pbx(pk: int | None, form: PbxConnectionForm) -> PbxConnection:
    return save_pbx_connection(
        form.cleaned_data["name"], pk=pk, password=form.new_password, **form.connection_values()
    )


def _login_pause(pbx: PbxConnection) -> dict:
    paused = logins_paused(pbx) if pbx.pk else None
    return {"logins_paused": paused.user_message if paused else ""}


@require_POST
def pbx_check(request, pk=None):
    """The "Tekshirish" button: check the saved connection, or the form's unsaved values.

    With the form's values, an empty password means the stored one. The outcome is recorded on
    the connection only when what was checked is what is saved.
    """
    pbx = get_object_or_404(PbxConnection, pk=pk) if pk is not None else PbxConnection()
    form = None
    if "host" in request.POST:
        form = PbxConnectionForm(request.POST, request.FILES, instance=pbx)
    result = None
    if form is None or form.is_valid():
        # A valid form has already put its values (and any new password) on `pbx`.
        # A page's short timeout and no retries: a hung PBX answers within gunicorn's timeout.
        connection = page_settings(pbx)
        result = _check(pbx, connection)
        audit.record(
            AuditEntry.Action.CHECK,
            obj=pbx if pbx.pk else None,
            object_type="providers.PbxConnection",
            message=words(_check_summary(result)),
            changes={"sent_to": connection.base_url},
        )
        if pbx.pk is not None and (form is None or not form.has_changed()):
            _record_check(pbx, result)
    context = {
        "form": form,
        "pbx": pbx,
        "result": result,
        "creating": pbx.pk is None,
        "checked": True,
    }
    if request.htmx:
        return render(request, "providers/partials/pbx_check_result.html", context)
    if form is None:
        context["form"] = PbxConnectionForm(instance=pbx)
    return render(request, "providers/pbx_form.html", context)


def _check(pbx: PbxConnection, connection) -> CheckResult:
    """Check with the PBX's login guard: the administrator's press lifts a pause of logins,
    but refused ones still count toward the limit."""
    if pbx.pk is None:
        return check_connection(connection, timestamps_zone=pbx.timestamps_timezone)
    resume_logins(pbx)
    return check_connection(
        connection, keeper=keeper_for(pbx), timestamps_zone=pbx.timestamps_timezone
    )


@require_POST
def pbx_trust_certificate(request, pk):
    """ "Trust this certificate": pin the fingerprint the check showed (audited as a change of
    the connection). Only a fingerprint is accepted, never a certificate from the browser."""
    pbx = get_object_or_404(PbxConnection, pk=pk)
    try:
        fingerprint = normalize_fingerprint(request.POST.get("fingerprint", ""))
    except ValueError:
        messages.error(request, _("That is not a certificate fingerprint."))
        return redirect("pbx_edit", pk=pbx.pk)
    save_pbx_connection(pbx.name, verify_tls=True, tls_fingerprint=format_fingerprint(fingerprint))
    messages.success(
        request,
        _("The certificate %(fingerprint)s is trusted for “%(name)s”; no other is accepted.")
        % {"fingerprint": format_fingerprint(fingerprint), "name": pbx.name},
    )
    return redirect("pbx_edit", pk=pbx.pk)


def _check_summary(result: CheckResult) -> dict:
    """What the check found, as a stored message (worded when shown)."""
    if result.ok:
        return message("check.connected", server=str(result.server_info or "-"))
    step = result.failed_step
    if step is None:
        return message("check.failed")
    error = from_error(result.error) if result.error is not None else step.detail
    return message("check.step_failed", step=message(f"check.step.{step.code}"), error=error)


def _record_check(pbx: PbxConnection, result: CheckResult) -> None:
    pbx.last_check_at = timezone.now()
    pbx.last_check_ok = result.ok
    pbx.last_check_message = _check_summary(result)
    PbxConnection.objects.filter(pk=pbx.pk).update(
        last_check_at=pbx.last_check_at,
        last_check_ok=pbx.last_check_ok,
        last_check_message=pbx.last_check_message,
    )

"""The least role each page needs, by URL name. A URL without a rule is for administrators only,
and a test fails until it gets one."""

from accounts.roles import Role

# The wallboard's link carries its own secret: it opens that page alone, signed in or not. The
# JSON API answers a token, not a sign-in: each endpoint checks its token's user's role itself
# (api.http), and its description is public.
API = {"api_calls", "api_call", "api_callbacks", "api_figures", "api_live", "api_openapi"}
PUBLIC = {"login", "set_language", "wallboard_link", *API}

RULES: dict[str, Role] = {
    # Anyone signed in
    "logout": Role.NONE,
    "password_change": Role.NONE,
    "password_change_done": Role.NONE,
    # Operators see their own calls
    "dashboard": Role.OPERATOR,
    "live_calls": Role.OPERATOR,
    "call_list": Role.OPERATOR,
    "call_detail": Role.OPERATOR,
    "call_export_csv": Role.OPERATOR,
    "call_export_xlsx": Role.OPERATOR,
    "export_job": Role.OPERATOR,  # only the user who asked for it (the view checks)
    "export_download": Role.OPERATOR,
    "call_recording": Role.OPERATOR,
    "call_recording_audio": Role.OPERATOR,
    "number_history": Role.OPERATOR,
    "callback_list": Role.OPERATOR,
    "callback_claim": Role.OPERATOR,
    "callback_outcome": Role.OPERATOR,
    "heatmap": Role.OPERATOR,
    "callers": Role.OPERATOR,
    "agent_list": Role.OPERATOR,  # an operator's own extensions only
    "agent_detail": Role.OPERATOR,  # another's agent page does not exist for an operator
    # Supervisors
    "callback_assign": Role.SUPERVISOR,
    "health": Role.SUPERVISOR,
    # A queue's figures are about the whole team, not an operator's own calls.
    "queues": Role.SUPERVISOR,
    "sync_run_list": Role.SUPERVISOR,
    "wallboard": Role.SUPERVISOR,
    "agent_export_csv": Role.SUPERVISOR,
    "agent_export_xlsx": Role.SUPERVISOR,
    # Administrators: settings, users (the audit log lives in Django's admin) and Sync now
    "settings": Role.ADMINISTRATOR,
    "sip_trunk_list": Role.ADMINISTRATOR,
    "sip_trunk_create": Role.ADMINISTRATOR,
    "sip_trunk_edit": Role.ADMINISTRATOR,
    "sip_trunk_delete": Role.ADMINISTRATOR,
    "pbx_list": Role.ADMINISTRATOR,
    "pbx_create": Role.ADMINISTRATOR,
    "pbx_check_new": Role.ADMINISTRATOR,
    "pbx_edit": Role.ADMINISTRATOR,
    "pbx_check": Role.ADMINISTRATOR,
    "pbx_trust_certificate": Role.ADMINISTRATOR,
    "sync_now": Role.ADMINISTRATOR,
    "pbx_delete": Role.ADMINISTRATOR,
    "user_list": Role.ADMINISTRATOR,
    "user_create": Role.ADMINISTRATOR,
    "user_edit": Role.ADMINISTRATOR,
    "user_reset_password": Role.ADMINISTRATOR,
    "user_set_active": Role.ADMINISTRATOR,
    "pbx_diagnostics": Role.ADMINISTRATOR,
    "wallboard_settings": Role.ADMINISTRATOR,
    "wallboard_link_revoke": Role.ADMINISTRATOR,
    "notification_settings": Role.ADMINISTRATOR,
    "notification_log": Role.ADMINISTRATOR,
    "notification_channel_create": Role.ADMINISTRATOR,
    "notification_channel_edit": Role.ADMINISTRATOR,
    "notification_channel_test": Role.ADMINISTRATOR,
    "notification_link_code": Role.ADMINISTRATOR,
    "notification_rule_edit": Role.ADMINISTRATOR,
    "api_tokens": Role.ADMINISTRATOR,
}


def required_role(url_name: str | None) -> Role:
    if url_name in PUBLIC:
        return Role.NONE
    return RULES.get(url_name, Role.ADMINISTRATOR)

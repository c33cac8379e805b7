from django.urls import path

from monitoring.views import (
    agents,
    analytics,
    callbacks,
    calls,
    dashboard,
    diagnostics,
    exports,
    health,
    pbx_removal,
    sync_runs,
    wallboard,
)

urlpatterns = [
    # Dashboard and live calls
    path("", dashboard.dashboard, name="dashboard"),
    path("live/", dashboard.live_calls, name="live_calls"),
    # Calls, export, detail, recordings, a number's history
    path("calls/", calls.call_list, name="call_list"),
    path("calls/export.csv", calls.call_export_csv, name="call_export_csv"),
    path("calls/export.xlsx", calls.call_export_xlsx, name="call_export_xlsx"),
    path("exports/<uuid:pk>/", exports.export_job, name="export_job"),
    path("exports/<uuid:pk>/download/", exports.export_download, name="export_download"),
    path("calls/<int:pk>/", calls.call_detail, name="call_detail"),
    path("calls/<int:pk>/recording/", calls.call_recording, name="call_recording"),
    path(
        "calls/<int:pk>/recording/audio/", calls.call_recording_audio, name="call_recording_audio"
    ),
    path("numbers/<str:number>/", calls.number_history, name="number_history"),
    # Callbacks: the queue, claiming, assigning, outcomes
    path("callbacks/", callbacks.callback_list, name="callback_list"),
    path("callbacks/<int:pk>/claim/", callbacks.callback_claim, name="callback_claim"),
    path("callbacks/<int:pk>/outcome/", callbacks.callback_outcome, name="callback_outcome"),
    path("callbacks/<int:pk>/assign/", callbacks.callback_assign, name="callback_assign"),
    # Sync runs and "Sync now"
    path("pbx/<int:pbx_id>/sync/", sync_runs.sync_now, name="sync_now"),
    path("pbx/<int:pbx_id>/sync-runs/", sync_runs.sync_run_list, name="sync_run_list"),
    # Deleting a PBX connection with its calls (the demo PBX's, once a real one is there)
    path("pbx/<int:pbx_id>/delete/", pbx_removal.pbx_delete, name="pbx_delete"),
    # Diagnostics of a PBX for support (the same document as `manage.py kerio_probe`)
    path("pbx/<int:pbx_id>/diagnostics/", diagnostics.pbx_diagnostics, name="pbx_diagnostics"),
    # Patterns: the weekday-by-hour heatmap, who is calling, queues and IVR
    path("analytics/heatmap/", analytics.heatmap, name="heatmap"),
    path("analytics/callers/", analytics.callers, name="callers"),
    path("analytics/queues/", analytics.queues, name="queues"),
    # Agents: the table (and its exports), one agent's page
    path("agents/", agents.agent_list, name="agent_list"),
    path("agents/export.csv", agents.agent_export_csv, name="agent_export_csv"),
    path("agents/export.xlsx", agents.agent_export_xlsx, name="agent_export_xlsx"),
    path("agents/<int:pbx_id>/<str:extension>/", agents.agent_detail, name="agent_detail"),
    # The wallboard, its secret links, its thresholds
    path("wallboard/", wallboard.wallboard, name="wallboard"),
    path("wallboard/tv/<str:token>/", wallboard.wallboard_link, name="wallboard_link"),
    path("wallboard/settings/", wallboard.wallboard_settings, name="wallboard_settings"),
    path(
        "wallboard/links/<int:pk>/revoke/",
        wallboard.wallboard_link_revoke,
        name="wallboard_link_revoke",
    ),
    # System health
    path("health/", health.health, name="health"),
]

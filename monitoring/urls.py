from django.urls import path

from monitoring.views import calls, dashboard, health

urlpatterns = [
    # Dashboard and live calls
    path("", dashboard.dashboard, name="dashboard"),
    path("live/", dashboard.live_calls, name="live_calls"),
    # Calls, export, detail, recordings, a number's history
    path("calls/", calls.call_list, name="call_list"),
    # Temporary (dashboard): until the calls section adds it.
    path("numbers/<str:number>/", calls.number_history, name="number_history"),
    # Sync runs and "Sync now"
    # System health
    path("health/", health.health, name="health"),
]

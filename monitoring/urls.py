from django.urls import path

from monitoring.views import calls, dashboard, health

urlpatterns = [
    # Dashboard and live calls
    path("", dashboard.dashboard, name="dashboard"),
    # Calls, export, detail, recordings, a number's history
    path("calls/", calls.call_list, name="call_list"),
    # Sync runs and "Sync now"
    # System health
    path("health/", health.health, name="health"),
]

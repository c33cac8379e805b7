from django.urls import path, re_path

from api import views

# Under api/: the JSON API and its description.
urlpatterns = [
    path("calls/", views.calls, name="api_calls"),
    path("calls/<int:pk>/", views.call_detail, name="api_call"),
    path("callbacks/", views.callbacks, name="api_callbacks"),
    path("figures/", views.day_figures, name="api_figures"),
    path("live/", views.live, name="api_live"),
    path("openapi.json", views.openapi, name="api_openapi"),
    # Any other address under api/ answers a JSON 404, not the pages' HTML one.
    re_path(r"^", views.unknown_address),
]

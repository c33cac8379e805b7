from django.urls import path

from providers import views

urlpatterns = [
    path("", views.settings_index, name="settings"),
]

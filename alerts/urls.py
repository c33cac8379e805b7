from django.urls import path

from alerts import views

urlpatterns = [
    path("", views.notification_settings, name="notification_settings"),
    path("log/", views.notification_log, name="notification_log"),
    path("channels/add/", views.notification_channel_create, name="notification_channel_create"),
    path("channels/<int:pk>/", views.notification_channel_edit, name="notification_channel_edit"),
    path(
        "channels/<int:pk>/test/", views.notification_channel_test, name="notification_channel_test"
    ),
    path("channels/<int:pk>/link/", views.notification_link_code, name="notification_link_code"),
    path("rules/<slug:kind>/", views.notification_rule_edit, name="notification_rule_edit"),
]

from django.urls import path

from providers import views

urlpatterns = [
    path("", views.settings_index, name="settings"),
    # SIP providers (records only; the real trunk lives in Kerio Operator)
    path("sip/", views.sip_trunk_list, name="sip_trunk_list"),
    path("sip/add/", views.sip_trunk_create, name="sip_trunk_create"),
    path("sip/<int:pk>/", views.sip_trunk_edit, name="sip_trunk_edit"),
    path("sip/<int:pk>/delete/", views.sip_trunk_delete, name="sip_trunk_delete"),
    # Kerio Operator connections and the "Tekshirish" (check) button
    path("kerio/", views.pbx_list, name="pbx_list"),
    path("kerio/add/", views.pbx_create, name="pbx_create"),
    path("kerio/check/", views.pbx_check, name="pbx_check_new"),
    path("kerio/<int:pk>/", views.pbx_edit, name="pbx_edit"),
    path("kerio/<int:pk>/check/", views.pbx_check, name="pbx_check"),
    path("kerio/<int:pk>/trust/", views.pbx_trust_certificate, name="pbx_trust_certificate"),
]

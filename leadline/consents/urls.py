from django.urls import path

from leadline.consents import views

app_name = "consents"
urlpatterns = [
    path("", views.consent_record, name="record"),
    path("<int:consent_id>/revoke/", views.consent_revoke, name="revoke"),
]

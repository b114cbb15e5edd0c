from django.urls import path

from leadline.consents import views

app_name = "consents"
urlpatterns = [
    path("", views.consent_record, name="record"),
    path("new/<str:kind>/", views.consent_new, name="new"),
    path("<int:consent_id>/", views.consent_detail, name="detail"),
    path("<int:consent_id>/sign/", views.consent_sign, name="sign"),
    path("<int:consent_id>/revoke/", views.consent_revoke, name="revoke"),
    path("<int:consent_id>/event/", views.consent_event, name="event"),
    path("<int:consent_id>/form.pdf", views.consent_pdf, name="pdf"),
    path("<int:consent_id>/documents/<str:purpose>/", views.consent_document, name="document"),
]

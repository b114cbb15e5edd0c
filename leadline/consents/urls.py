from django.urls import path

from leadline.consents import accounting_views, views

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
    # The participant's rights over what left under their consents (42 CFR 2.25, 2.26).
    path("accounting/", accounting_views.accounting_page, name="accounting"),
    path("accounting/new/", accounting_views.accounting_request_new, name="accounting_new"),
    path("accounting/<int:request_id>/", accounting_views.accounting_report, name="accounting_report"),
    path(
        "accounting/<int:request_id>/accounting.pdf", accounting_views.accounting_pdf, name="accounting_pdf"
    ),
    path("accounting/<int:request_id>/answer/", accounting_views.accounting_answer, name="accounting_answer"),
    path("accounting/<int:request_id>/extend/", accounting_views.accounting_extend, name="accounting_extend"),
    path("restrictions/", accounting_views.restriction_new, name="restriction_new"),
    path(
        "restrictions/<int:restriction_id>/lift/", accounting_views.restriction_lift, name="restriction_lift"
    ),
]

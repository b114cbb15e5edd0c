from django.urls import path

from leadline.participants import (
    caseload_views,
    contact_views,
    identity_views,
    intake_views,
    photo,
    plan_views,
    views,
)

app_name = "participants"
urlpatterns = [
    path("", views.participant_list, name="list"),
    path("export.csv", views.participant_export, name="export"),
    path("<int:participant_id>/", views.participant_detail, name="detail"),
    path("<int:participant_id>/notes/", views.case_note_add, name="note_add"),
    path("<int:participant_id>/whereabouts/", views.whereabouts_update, name="whereabouts"),
    path("<int:participant_id>/status/", caseload_views.status_change, name="status"),
    path("<int:participant_id>/assign/", caseload_views.assign, name="assign"),
    path("caseloads/", caseload_views.caseloads, name="caseloads"),
    path("<int:participant_id>/contacts/", contact_views.contact_add, name="contact_add"),
    path("outreach/", contact_views.outreach, name="outreach"),
    path("<int:participant_id>/monthly/", contact_views.monthly_status, name="monthly"),
    path("<int:participant_id>/intake/", intake_views.intake, name="intake"),
    path("<int:participant_id>/plan/", plan_views.plan, name="plan"),
    path("<int:participant_id>/identity/", identity_views.identity_update, name="identity"),
    path("<int:participant_id>/photo/", photo.photo, name="photo"),
    path("new/", identity_views.participant_new, name="new"),
    path("<int:participant_id>/merge/", identity_views.merge, name="merge"),
]

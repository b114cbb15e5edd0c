"""The case pages. They hang under /participants/<id>/ (config/urls.py includes them there) but are named in
the `cases` namespace: the app that serves a page owns its name."""

from django.urls import path

from leadline.cases import caseload_views, contact_views, intake_views, note_views, plan_views

app_name = "cases"
urlpatterns = [
    path("<int:participant_id>/notes/", note_views.case_note_add, name="note_add"),
    path("<int:participant_id>/status/", caseload_views.status_change, name="status"),
    path("<int:participant_id>/assign/", caseload_views.assign, name="assign"),
    path("caseloads/", caseload_views.caseloads, name="caseloads"),
    path("caseloads/move/", caseload_views.caseload_move, name="caseload_move"),
    path("<int:participant_id>/contacts/", contact_views.contact_add, name="contact_add"),
    path("outreach/", contact_views.outreach, name="outreach"),
    path("<int:participant_id>/monthly/", contact_views.monthly_status, name="monthly"),
    path("<int:participant_id>/intake/", intake_views.intake, name="intake"),
    path("<int:participant_id>/plan/", plan_views.plan, name="plan"),
]

from django.urls import path

from leadline.legal import views

app_name = "legal"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("sealing/", views.sealing_report, name="sealing"),
    path("holds.csv", views.holds_csv, name="holds_csv"),
    path("<int:matter_id>/", views.matter_detail, name="detail"),
    path("<int:matter_id>/extend/", views.matter_extend, name="extend"),
    path("<int:matter_id>/defender/", views.matter_defender, name="defender"),
    path("notices/<int:notice_id>/confirm/", views.notice_confirm, name="confirm"),
    path("notices/<int:notice_id>/pdf/", views.notice_pdf, name="pdf"),
    path("import/", views.records_import, name="import"),
    path("people/<int:participant_id>/", views.person, name="person"),
    path("people/<int:participant_id>/add/<slug:kind>/", views.record_add, name="add"),
    path("people/<int:participant_id>/reminders/", views.court_reminders, name="reminders"),
    path("charges/<int:charge_id>/decide/", views.new_charge_decide, name="decide"),
]

from django.urls import path

from leadline.legal import views

app_name = "legal"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("sealing/", views.sealing_report, name="sealing"),
    path("<int:matter_id>/", views.matter_detail, name="detail"),
    path("<int:matter_id>/extend/", views.matter_extend, name="extend"),
    path("notices/<int:notice_id>/confirm/", views.notice_confirm, name="confirm"),
    path("notices/<int:notice_id>/pdf/", views.notice_pdf, name="pdf"),
]

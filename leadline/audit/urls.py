from django.urls import path

from leadline.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("participants/<int:participant_id>/", views.participant_report, name="participant"),
    path("users/<int:user_id>/", views.user_report, name="user"),
    path("law-enforcement/", views.law_enforcement_report, name="law_enforcement"),
    path("break-glass/", views.break_glass, name="break_glass"),
]

"""The audit reports and the break-glass page, mounted at /audit/ (config/urls.py).

The namespace stays ``audit`` although the app is ``oversight``: the URL names (``audit:index``,
``audit:participant``, ``audit:user``, ``audit:law_enforcement``, ``audit:break_glass``) are what the
templates, the navigation (core/nav.py), the tests and people's bookmarks know, and the pages are still
"the audit reports". The split of the app (the log below, the reading of it here) is not theirs to see."""

from django.urls import path

from leadline.oversight import views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("participants/<int:participant_id>/", views.participant_report, name="participant"),
    path("users/<int:user_id>/", views.user_report, name="user"),
    path("law-enforcement/", views.law_enforcement_report, name="law_enforcement"),
    path("break-glass/", views.break_glass, name="break_glass"),
]

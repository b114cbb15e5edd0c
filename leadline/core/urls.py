from django.urls import path

from leadline.core import import_views, views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("imports/<uuid:job_id>/", import_views.import_job, name="import_job"),
]

from django.urls import path

from leadline.sites import views

app_name = "sites"
urlpatterns = [
    path("", views.site_detail, name="detail"),
    path("export.json", views.site_export_view, name="export"),
    path("import/", views.site_import_view, name="import"),
]

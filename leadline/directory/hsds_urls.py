"""The HSDS 3.0 read-only API, mounted at /api/hsds/ (``urlpatterns``, namespace "hsds"), and the
whole-directory export and import pages, mounted under /directory/ (``export_urlpatterns``).

The API's paths are HSDS's own (/services, /services/{id}, ... without a trailing slash), so an HSDS
client finds them where the specification's openapi.json says.
"""

from __future__ import annotations

from django.urls import path

from leadline.directory import hsds_views as views

app_name = "hsds"

urlpatterns = [
    path("", views.HsdsRootApi.as_view(), name="root"),
    path("services", views.ServiceListApi.as_view(), name="services"),
    path("services/<str:id>", views.ServiceDetailApi.as_view(), name="service"),
    path("organizations", views.OrganizationListApi.as_view(), name="organizations"),
    path("organizations/<str:id>", views.OrganizationDetailApi.as_view(), name="organization"),
    path("taxonomies", views.TaxonomyListApi.as_view(), name="taxonomies"),
    path("taxonomies/<str:id>", views.TaxonomyDetailApi.as_view(), name="taxonomy"),
    path("taxonomy_terms", views.TaxonomyTermListApi.as_view(), name="taxonomy-terms"),
    path("taxonomy_terms/<str:id>", views.TaxonomyTermDetailApi.as_view(), name="taxonomy-term"),
    path("service_at_locations", views.ServiceAtLocationListApi.as_view(), name="service-at-locations"),
    path(
        "service_at_locations/<str:id>",
        views.ServiceAtLocationDetailApi.as_view(),
        name="service-at-location",
    ),
]

# Mounted by config/urls.py under /directory/ with the namespace "directory_hsds".
export_urlpatterns = [
    path("export.json", views.export_json, name="export-json"),
    path("export.zip", views.export_zip, name="export-zip"),
    path("import/", views.import_view, name="import"),
]

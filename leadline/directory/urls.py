from django.urls import path

from leadline.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("services/new/", views.create, name="create"),
    path("services/<uuid:service_id>/", views.detail, name="detail"),
    path("services/<uuid:service_id>/edit/", views.edit, name="edit"),
    path("services/<uuid:service_id>/verify/", views.verify, name="verify"),
]

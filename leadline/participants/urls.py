from django.urls import path

from leadline.participants import identity_views, photo, views

app_name = "participants"
urlpatterns = [
    path("", views.participant_list, name="list"),
    path("export.csv", views.participant_export, name="export"),
    path("<int:participant_id>/", views.participant_detail, name="detail"),
    path("<int:participant_id>/timeline/", views.participant_timeline, name="timeline"),
    path("<int:participant_id>/whereabouts/", views.whereabouts_update, name="whereabouts"),
    path("<int:participant_id>/identity/", identity_views.identity_update, name="identity"),
    path("<int:participant_id>/photo/", photo.photo, name="photo"),
    path("new/", identity_views.participant_new, name="new"),
    path("<int:participant_id>/merge/", identity_views.merge, name="merge"),
]

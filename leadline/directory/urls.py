from django.urls import path

from leadline.directory import referral_views, views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("services/new/", views.create, name="create"),
    path("services/<uuid:service_id>/", views.detail, name="detail"),
    path("services/<uuid:service_id>/edit/", views.edit, name="edit"),
    path("services/<uuid:service_id>/verify/", views.verify, name="verify"),
    path("refer/<int:participant_id>/", referral_views.refer, name="refer"),
    path("referrals/", referral_views.referral_list, name="referrals"),
    path("referrals/<int:referral_id>/", referral_views.referral_detail, name="referral"),
    path("referrals/<int:referral_id>/status/", referral_views.referral_status, name="referral_status"),
    path("referrals/<int:referral_id>/cancel/", referral_views.referral_cancel, name="referral_cancel"),
    path("referrals/<int:referral_id>/link/", referral_views.referral_link, name="referral_link"),
    path("answer/<str:token>/", referral_views.answer, name="answer"),
    path("answer/r/<int:referral_id>/", referral_views.answer_page, name="answer_page"),
    path("referrals/<int:referral_id>/fhir.json", referral_views.referral_fhir, name="referral_fhir"),
    path("referrals/fhir-import/", referral_views.referral_fhir_import, name="referral_fhir_import"),
]

"""/api/v1/: every endpoint of the REST API, one line each."""

from django.urls import path

from leadline.accounts.apis import MeApi
from leadline.cases.apis import CaseNoteListApi
from leadline.legal.apis import LegalMatterDetailApi, LegalMatterListApi
from leadline.participants.apis import ParticipantDetailApi, ParticipantListApi
from leadline.participants.lookup_views import LookupApi
from leadline.referrals.apis import ReferralDetailApi, ReferralListApi
from leadline.sites.apis import SiteApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("site/", SiteApi.as_view(), name="api-site"),
    path("referrals/", ReferralListApi.as_view(), name="api-referrals"),
    path("referrals/<int:referral_id>/", ReferralDetailApi.as_view(), name="api-referral"),
    path("lookup/", LookupApi.as_view(), name="api-lookup"),
    path("legal-matters/", LegalMatterListApi.as_view(), name="api-legal-matters"),
    path("legal-matters/<int:matter_id>/", LegalMatterDetailApi.as_view(), name="api-legal-matter"),
    path("participants/", ParticipantListApi.as_view(), name="api-participants"),
    path("participants/<int:participant_id>/", ParticipantDetailApi.as_view(), name="api-participant"),
    path("participants/<int:participant_id>/notes/", CaseNoteListApi.as_view(), name="api-participant-notes"),
]

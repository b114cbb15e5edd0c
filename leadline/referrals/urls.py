from django.urls import path

from leadline.referrals import handoff_views, views, waiting_views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("dashboard/", views.referral_dashboard, name="dashboard"),
    path("waiting/", waiting_views.waiting_list, name="waiting"),
    path("waiting/<int:referral_id>/", waiting_views.waiting_assign, name="waiting_assign"),
    path("community/", views.community_list, name="community_list"),
    path("community/new/", views.community_new, name="community_new"),
    path("<int:referral_id>/decide/", views.community_decide, name="community_decide"),
    path("<int:referral_id>/", views.referral_detail, name="detail"),
    path("<int:referral_id>/override/", views.referral_override, name="override"),
    path("<int:referral_id>/handoff/", handoff_views.handoff_request, name="handoff_request"),
    path(
        "<int:referral_id>/handoff/link/<int:handoff_id>/",
        handoff_views.handoff_link_view,
        name="handoff_link",
    ),
    path("handoffs/", handoff_views.handoff_list, name="handoffs"),
    path("handoffs/<int:handoff_id>/status/", handoff_views.handoff_status, name="handoff_status"),
    *[
        path(
            f"handoffs/<int:handoff_id>/{action}/",
            handoff_views.handoff_act,
            {"action": action},
            name=f"handoff_{action}",
        )
        for action in ("acknowledge", "arrive", "complete", "clear", "cancel")
    ],
]

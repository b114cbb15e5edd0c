from django.urls import path

from leadline.consents import summary_views

app_name = "summaries"
urlpatterns = [
    path("", summary_views.summary_list, name="list"),
    path("<int:participant_id>/", summary_views.summary_detail, name="detail"),
]

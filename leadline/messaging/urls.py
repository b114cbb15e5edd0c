from django.urls import path

from leadline.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.thread_list, name="list"),
    path("new/<int:participant_id>/", views.thread_new, name="new"),
    path("<int:thread_id>/", views.thread_detail, name="thread"),
    path("<int:thread_id>/members/", views.member_add, name="members"),
]

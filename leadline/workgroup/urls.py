from django.urls import path

from leadline.workgroup import views

app_name = "workgroup"
urlpatterns = [
    path("", views.index, name="index"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/agenda/", views.agenda_build, name="agenda_build"),
    path("meetings/<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:meeting_id>/decisions/", views.decision, name="decision"),
    path("items/<int:item_id>/discussed/", views.item_discussed, name="item_discussed"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:action_id>/done/", views.action_done, name="action_done"),
    path("members/", views.members, name="members"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]

from django.urls import path

from leadline.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/count/", views.inbox_count_fragment, name="inbox_count"),
    path("inbox/urgent/", views.inbox_urgent_fragment, name="inbox_urgent"),
]

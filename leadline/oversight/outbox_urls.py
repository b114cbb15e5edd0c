from django.urls import path

from leadline.oversight import outbox_views

app_name = "outbox"
urlpatterns = [
    path("", outbox_views.outbox, name="index"),
    path("<int:delivery_id>/retry/", outbox_views.retry, name="retry"),
]

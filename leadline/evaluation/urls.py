from django.urls import path

from leadline.evaluation import views

app_name = "evaluation"
urlpatterns = [path("", views.evidence, name="evidence")]

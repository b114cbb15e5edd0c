from django.urls import path  # noqa: F401

app_name = "policy_pack"
urlpatterns: list = []

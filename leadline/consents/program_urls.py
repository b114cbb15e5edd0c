from django.urls import path

from leadline.consents import accounting_views

app_name = "disclosure_requests"
urlpatterns = [
    path("", accounting_views.accounting_due, name="due"),
]

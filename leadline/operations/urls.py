from django.urls import path

from leadline.operations import views

app_name = "operations"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "export/participants.csv",
        views.export,
        {"kind": "participants", "fmt": "csv"},
        name="participants_csv",
    ),
    path(
        "export/participants.xlsx",
        views.export,
        {"kind": "participants", "fmt": "xlsx"},
        name="participants_xlsx",
    ),
    path("export/contacts.csv", views.export, {"kind": "contacts", "fmt": "csv"}, name="contacts_csv"),
    path("export/contacts.xlsx", views.export, {"kind": "contacts", "fmt": "xlsx"}, name="contacts_xlsx"),
]

from django.urls import path

from leadline.evaluation import views

app_name = "evaluation"
urlpatterns = [path("", views.evidence, name="evidence")]
public_urlpatterns = [
    path("results/", views.public_results, name="public"),
    path("results.csv", views.public_results_csv, name="public_csv"),
    path("results/report.pdf", views.public_report_pdf, name="public_report"),
]

from django.urls import path

from leadline.workgroup import pack_views

app_name = "policy_pack"
urlpatterns = [
    path("", pack_views.pack_page, name="pack"),
    path("pack.pdf", pack_views.pack_pdf_download, name="pdf"),
]

"""URLs of the HSDS 3.0 read-only API (mounted at /api/hsds/) and the directory's export/import pages."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "hsds"

urlpatterns: list[URLPattern] = []

export_urlpatterns: list[URLPattern] = []

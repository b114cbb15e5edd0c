"""The page of a background import (issue #15 item 8): where the job has got to, then what came of it.

Seen only by the person who started the job; anybody else (any role) gets the 404 of a job that does not
exist. While the job runs, the status panel asks for itself again every two seconds (htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.core.actors import ActorRequest
from leadline.core.imports import import_job_get_for

# Each importer's own page (to go back to, and import another file) and its title.
IMPORT_PAGES = {
    "legal": ("legal:import", _("Import court records")),
    "directory": ("directory_hsds:import", _("Import directory (HSDS)")),
}


@login_required
@require_GET
@never_cache
def import_job(request: ActorRequest, job_id: str) -> HttpResponse:
    job = import_job_get_for(user=request.user, job_id=job_id)
    page, title = IMPORT_PAGES.get(job.kind, ("web:home", _("Import")))
    context = {
        "job": job,
        "title": title,
        "back": reverse(page),
        "result_template": f"{job.kind}/_import_result.html",
    }
    if request.headers.get("HX-Request"):
        return render(request, "core/_import_job_status.html", context)
    return render(request, "core/import_job.html", context)

"""The probes: /healthz for monitoring, /readyz for the load balancer."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.core import worker


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for monitoring: the database answers, a task worker beats, no task is late (decision 0031).
    503 with the problems named when not. Anonymous, and nothing in it is about anyone: counts and ages."""
    try:
        report = worker.health()
    except DatabaseError:
        return JsonResponse({"status": "fail", "problems": ["database_unavailable"]}, status=503)
    return JsonResponse(report, status=503 if report["problems"] else 200)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for the load balancer: this app server can reach the database, and nothing else (a
    silent worker is no reason to take a web server out of rotation)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "fail", "problems": ["database_unavailable"]}, status=503)
    return JsonResponse({"status": "ok"})

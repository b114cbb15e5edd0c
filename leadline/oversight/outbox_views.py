"""The administrators' notification outbox: every email and SMS delivery, by status (no content), and "send
again" for one that was given up. Here, above accounts, because it is gated by a capability; the
notifications app itself sits below accounts (accounts sends through it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.notifications import services
from leadline.notifications.models import Delivery


@capability_required("notification_outbox.view")
@require_GET
@never_cache
def outbox(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    deliveries = Delivery.objects.select_related("notification__user").order_by("-id")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    audit_record(actor=request.user, action=AuditEvent.Action.LIST, subject_type="notification_delivery")
    counts = {s.value: Delivery.objects.filter(status=s).count() for s in Delivery.Status}
    return render(
        request,
        "oversight/outbox.html",
        {
            "page": page,
            "status": status,
            "statuses": Delivery.Status.choices,
            "counts": counts,
        },
    )


@capability_required("notification_outbox.view")
@require_POST
def retry(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    if not Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.FAILED).exists():
        messages.error(request, _("Only a delivery that was given up can be sent again."))
    else:
        services.retry(actor=request.user, delivery_id=delivery_id)
        messages.success(request, _("It will be tried again now."))
    return redirect("outbox:index")

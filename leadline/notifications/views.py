"""Notifications in one place (issue #8, item 4): my notifications, how I want to be told, and for
administrators the outbox of deliveries (status and attempts, never content)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core.decorators import capability_required
from leadline.core.refusals import Refused, on_form
from leadline.notifications import services
from leadline.notifications.forms import PreferenceForm
from leadline.notifications.models import Delivery, Notification, Preference


@login_required
@require_GET
@never_cache
def inbox(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    page = Paginator(Notification.objects.filter(user=user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    current = services.preference_for(user)
    if request.method == "GET":
        form = PreferenceForm(instance=current, initial={"version": current.version})
        return render(request, "notifications/preferences.html", {"form": form, "user_phone": user.phone})
    form = PreferenceForm(request.POST, instance=Preference(user=user))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.preference_update(
                actor=user,
                version=data["version"],
                **{name: data[name] for name in services.PREFERENCE_FIELDS},
            )
        except Refused as exc:
            on_form(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Saved."))
            return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form, "user_phone": user.phone}, status=status
    )


@capability_required("notification_outbox.view")
@require_GET
@never_cache
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    deliveries = Delivery.objects.select_related("notification__user").order_by("-id")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    audit_record(actor=request.user, action=AuditEvent.Action.LIST, subject_type="notification_delivery")
    counts = {s.value: Delivery.objects.filter(status=s).count() for s in Delivery.Status}
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "status": status,
            "statuses": Delivery.Status.choices,
            "counts": counts,
        },
    )


@capability_required("notification_outbox.view")
@require_POST
def retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    if not Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.FAILED).exists():
        messages.error(request, _("Only a delivery that was given up can be sent again."))
    else:
        services.retry(actor=request.user, delivery_id=delivery_id)
        messages.success(request, _("It will be tried again now."))
    return redirect("notifications:outbox")

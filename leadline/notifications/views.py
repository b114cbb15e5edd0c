"""Notifications in one place (issue #8, item 4): my notifications, how I want to be told, and for
administrators the outbox of deliveries (status and attempts, never content)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.actors import ActorRequest
from leadline.core.refusals import Refused, on_form
from leadline.notifications import services
from leadline.notifications.forms import PreferenceForm
from leadline.notifications.models import Notification, Preference


@login_required
@require_GET
@never_cache
def inbox(request: ActorRequest) -> HttpResponse:
    user: Any = request.user
    page = Paginator(Notification.objects.filter(user=user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def read(request: ActorRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def preferences(request: ActorRequest) -> HttpResponse:
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

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.core.jsonsafe import JsonRefused, loads_bounded
from leadline.sites.forms import SiteImportForm
from leadline.sites.selectors import site_get
from leadline.sites.services import SiteImportError, site_export, site_import


@capability_required("site_config.view")
@require_GET
def site_detail(request: AuthedRequest) -> HttpResponse:
    site = site_get()
    versions = site.policy_versions.prefetch_related("offences", "exclusions") if site else []
    return render(
        request,
        "sites/detail.html",
        {
            "site_obj": site,
            "versions": versions,
            "can_edit_site": policy.can(request.user, "site_config.edit"),
        },
    )


@capability_required("site_config.view")
@require_GET
def site_export_view(request: AuthedRequest) -> HttpResponse:
    site = site_get()
    if site is None:
        return JsonResponse({"detail": "No site is configured."}, status=404)
    response = JsonResponse(site_export(site=site), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="leadline-site.json"'
    return response


@capability_required("site_config.edit")
@require_http_methods(["GET", "POST"])
def site_import_view(request: AuthedRequest) -> HttpResponse:
    form = SiteImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            # Its nesting measured before it is parsed (issue #15 item 17): a deep file is a message.
            data = loads_bounded(form.cleaned_data["file"].read())
        except JsonRefused as exc:
            errors = [_("file: %(reason)s") % {"reason": exc}]
        else:
            try:
                site_import(actor=request.user, data=data)
            except SiteImportError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Site configuration imported."))
                return redirect("sites:detail")
    status = 400 if request.method == "POST" else 200
    return render(request, "sites/import.html", {"form": form, "errors": errors}, status=status)

"""The Django admin is for site administrators, after MFA, and holds no participant content."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from leadline.accounts import policy
from leadline.accounts.mfa import mfa_satisfied
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin has no sign-in of its own: Leadline's (with lockout and MFA) is the only door.

    A signed-in person who is sent here lacks the administrator role: 403, not a redirect loop.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next", "/admin/"))


def configure_admin_site(site: admin.AdminSite) -> None:
    def has_permission(request: HttpRequest) -> bool:
        return bool(
            request.user.is_active
            and policy.can(request.user, "site_config.view")
            and policy.can(request.user, "user_account.view")
            and mfa_satisfied(request)
        )

    site.has_permission = has_permission  # type: ignore[method-assign]
    # Third-party admins use Django model permissions, which is_superuser always passes (TOTP secrets,
    # lockout records, task results). Leadline grants nothing through is_superuser, so they go.
    from django.contrib.auth.models import Group

    for model_path in (
        "django_otp.plugins.otp_totp.models.TOTPDevice",
        "axes.models.AccessAttempt",
        "axes.models.AccessLog",
        "axes.models.AccessFailureLog",
        "django_tasks_db.models.DBTaskResult",
    ):
        module, _dot, name = model_path.rpartition(".")
        try:
            model = getattr(__import__(module, fromlist=[name]), name)
        except (ImportError, AttributeError):
            continue
        if site.is_registered(model):
            site.unregister(model)
    if site.is_registered(Group):
        site.unregister(Group)
    site.site_header = "Leadline administration"
    site.site_title = "Leadline"


class CapabilityAdmin(admin.ModelAdmin):
    """A ModelAdmin whose permissions come from Leadline capabilities, not Django model permissions."""

    view_capability = "site_config.view"
    edit_capability = "site_config.edit"
    read_only = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, self.view_capability)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.view_capability)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and policy.can(request.user, self.edit_capability)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return not self.read_only and policy.can(request.user, self.edit_capability)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and policy.can(request.user, self.edit_capability)

    # Every change made in the admin is on the audit trail too, in the admin's own transaction
    # (field names and Django's change message; values of sensitive fields never).
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, obj, AuditEvent.Action.CREATE, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, obj, AuditEvent.Action.UPDATE, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, obj, AuditEvent.Action.DELETE, "deleted")
        return super().log_deletions(request, queryset)

    def _audit(self, request: HttpRequest, obj: Any, action: str, message: Any) -> None:
        audit_record(
            actor=request.user,
            action=action,
            subject_type=obj._meta.label_lower,
            subject_id=obj.pk,
            reason="Django admin",
            changes={"admin_message": message if isinstance(message, (str, list)) else str(message)},
        )


class CapabilityInline(admin.TabularInline):
    edit_capability = "site_config.edit"
    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, "site_config.view")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.edit_capability)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.edit_capability)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, self.edit_capability)

"""The Django admin is for site administrators, after MFA, and holds no participant content."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from leadline.accounts import policy
from leadline.accounts.mfa import mfa_satisfied


def configure_admin_site(site: admin.AdminSite) -> None:
    def has_permission(request: HttpRequest) -> bool:
        return bool(
            request.user.is_active
            and policy.can(request.user, "site_config.view")
            and policy.can(request.user, "user_account.view")
            and mfa_satisfied(request)
        )

    site.has_permission = has_permission  # type: ignore[method-assign]
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

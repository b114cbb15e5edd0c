from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from leadline.accounts import services
from leadline.accounts.models import Agency, APIToken, User
from leadline.accounts.roles import ROLE_CAPABILITIES, Role
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core.admin_site import CapabilityAdmin


@admin.register(Agency)
class AgencyAdmin(CapabilityAdmin):
    list_display = ["name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


class UserAdminForm(UserChangeForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role", self.instance.role)
        allowed = bool(role) and "community_approval.edit" in ROLE_CAPABILITIES.get(Role(role), {})
        if data.get("is_community_approver") and not allowed:
            self.add_error(
                "is_community_approver",
                "Only a role that may approve community referrals (program manager) can be designated.",
            )
        return data

    def clean_role(self) -> str:
        role = self.cleaned_data.get("role", "")
        editor = getattr(self, "editor", None)
        if editor is not None and self.instance.pk == editor.pk and role != self.initial.get("role"):
            raise ValidationError("You cannot change your own role.")
        return role


@admin.register(User)
class UserAdmin(CapabilityAdmin, DjangoUserAdmin):
    view_capability = "user_account.view"
    edit_capability = "user_account.edit"
    form = UserAdminForm
    list_display = ["username", "first_name", "last_name", "role", "agency", "is_active", "is_demo"]
    list_filter = ["role", "agency", "is_active", "is_community_approver"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "phone", "preferred_language")}),
        ("Role", {"fields": ("role", "agency", "precinct", "is_community_approver")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined", "is_demo")}),
    )
    readonly_fields = ["last_login", "date_joined", "is_demo", "is_active"]
    actions = ["deactivate", "reset_mfa", "unlock"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user  # type: ignore[attr-defined]  # clean_role refuses a change to one's own role
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are disabled, never deleted: the audit trail refers to them

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Role changes go through user_set_role, which reads the old role from the database."""
        new_role = obj.role
        role_changed = "role" in form.changed_data
        if role_changed and change:
            obj.role = form.initial.get("role", "")
        elif not change:
            obj.role = ""
        super().save_model(request, obj, form, change)
        if role_changed or (not change and new_role):
            services.user_set_role(actor=request.user, user=obj, role=new_role)

    @admin.action(description="Disable the selected accounts and end their sessions")
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset.filter(is_active=True).exclude(pk=request.user.pk):
            services.user_deactivate(actor=request.user, user=user, reason="disabled by a site administrator")
        messages.success(request, "Accounts disabled; their sessions ended and tokens revoked.")

    @admin.action(description="Reset two-factor sign-in (lost phone): they enrol again at next sign-in")
    def reset_mfa(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset.exclude(pk=request.user.pk):
            services.user_mfa_reset(actor=request.user, user=user, reason="reset by a site administrator")
        messages.success(request, "Two-factor sign-in reset; the users' sessions ended.")

    @admin.action(description="Unlock sign-in after too many failed attempts")
    def unlock(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            axes_reset(username=user.username)
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.UPDATE,
                subject_type="user",
                subject_id=user.pk,
                reason="sign-in lockout cleared",
            )
        messages.success(request, "Sign-in unlocked.")


@admin.register(APIToken)
class APITokenAdmin(CapabilityAdmin):
    view_capability = "user_account.view"
    edit_capability = "user_account.edit"
    read_only = True
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]

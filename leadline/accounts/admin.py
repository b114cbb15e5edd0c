from __future__ import annotations

from typing import Any, cast

from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse

from leadline.accounts import policy, services
from leadline.accounts.admin_site import CapabilityAdmin
from leadline.accounts.models import Agency, APIToken, CredentialReset, User
from leadline.accounts.roles import DUAL_CONTROL_ROLES, ROLE_CAPABILITIES, Role
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock


def _staff(request: HttpRequest) -> User:
    """Who acts on an admin page: the admin site lets only signed-in staff in (never AnonymousUser), so the
    cast only tells the type checker what the site already ensures."""
    return cast(User, request.user)


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


class UserAddForm(forms.ModelForm):
    """A new account: who they are and their role, never a password. The account gets an unusable
    password; its holder sets the first one through the one-time link a second administrator approves
    (decision 0034)."""

    class Meta:
        model = User
        fields = [
            "username", "first_name", "last_name", "email", "phone", "preferred_language", "role", "agency",
            "precinct",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True  # the first password's link goes there

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("An account with this username already exists.")
        return username


@admin.register(User)
class UserAdmin(CapabilityAdmin, DjangoUserAdmin):
    view_capability = "user_account.view"
    edit_capability = "user_account.edit"
    form = UserAdminForm
    list_display = ["username", "first_name", "last_name", "role", "agency", "is_active", "is_demo"]
    list_filter = ["role", "agency", "is_active", "is_community_approver"]
    # No password field and no password form: nobody sets another person's password here. A reset is
    # proposed below (Sign-in resets), approved by a second administrator, and the holder sets the new
    # password through a one-time link (decision 0034).
    fieldsets = (
        (None, {"fields": ("username",)}),
        (
            "Person",
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "email",
                    "email_changed_at",
                    "phone",
                    "preferred_language",
                )
            },
        ),
        ("Role", {"fields": ("role", "agency", "precinct", "is_community_approver")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined", "is_demo")}),
    )
    add_form = UserAddForm
    add_fieldsets = (
        (None, {"fields": ("username",)}),
        ("Person", {"fields": ("first_name", "last_name", "email", "phone", "preferred_language")}),
        ("Role", {"fields": ("role", "agency", "precinct")}),
    )
    readonly_fields = ["last_login", "date_joined", "is_demo", "is_active", "email_changed_at"]
    actions = ["deactivate", "unlock"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user  # type: ignore[attr-defined]  # clean_role refuses a change to one's own role
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are disabled, never deleted: the audit trail refers to them

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Django's "set this user's password" form is closed: an administrator who sets a password can
        sign in as that person. Resets go through a second administrator and the holder (decision 0034)."""
        raise PermissionDenied

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Role changes go through the services, which read the old role from the database: a role that reads
        participants (or the administrator's) is proposed for a second administrator, any other is given.
        A new account gets no password (its holder sets one through an approved link); a changed email or
        phone is audited with both values and the old address is told."""
        new_role = obj.role
        role_changed = "role" in form.changed_data
        if change:
            obj.role = form.initial.get("role", "")
            stored = User.objects.filter(pk=obj.pk).values_list("email", "phone").first() or ("", "")
            before = {"email": stored[0], "phone": stored[1]}
            if before["email"] != obj.email:
                obj.email_changed_at = clock.now()
        else:
            services.new_account_prepare(user=obj, role=new_role)
        super().save_model(request, obj, form, change)
        if change:
            services.user_contact_changed(actor=_staff(request), user=obj, before=before)
            if role_changed:
                self._role(request, obj, new_role, created=False)
        else:
            services.new_account_audit(actor=_staff(request), user=obj)
            if new_role and obj.role != new_role:
                self._role(request, obj, new_role, created=True)
        if not change and obj.email:
            services.credential_reset_propose(
                actor=_staff(request), user=obj, kind=CredentialReset.Kind.PASSWORD,
                reason="New account: its holder sets the first password through the one-time link.",
            )  # fmt: skip
            messages.info(
                request,
                "A second administrator must approve the link by which this person sets their first "
                "password.",
            )

    def _role(self, request: HttpRequest, obj: User, new_role: str, *, created: bool) -> None:
        if new_role and Role(new_role) in DUAL_CONTROL_ROLES:
            try:
                services.role_grant_propose(
                    actor=_staff(request), user=obj, role=new_role,
                    reason="New account" if created else "Role change asked in the user form",
                )  # fmt: skip
            except (services.InvalidInput, services.NotAllowed) as exc:
                raise PermissionDenied(str(exc)) from exc
            messages.info(
                request,
                "This role reads participants' information: it takes effect when a second administrator "
                "approves it (Sign-in resets).",
            )
        else:
            services.user_set_role(actor=_staff(request), user=obj, role=new_role)

    @admin.action(description="Disable the selected accounts and end their sessions")
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset.filter(is_active=True).exclude(pk=request.user.pk):
            services.user_deactivate(
                actor=_staff(request), user=user, reason="disabled by a site administrator"
            )
        messages.success(request, "Accounts disabled; their sessions ended and tokens revoked.")

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


class CredentialResetForm(forms.ModelForm):
    class Meta:
        model = CredentialReset
        fields = ["user", "kind", "role", "reason"]


@admin.register(CredentialReset)
class CredentialResetAdmin(CapabilityAdmin):
    """Resetting another person's password or two-factor sign-in: one administrator proposes it here with
    a written reason; a different administrator selects it and approves. Nothing changes before that."""

    view_capability = "user_account.view"
    edit_capability = "user_account.edit"
    form = CredentialResetForm
    list_display = [
        "user",
        "kind",
        "role",
        "holder_email",
        "holder_email_changed",
        "proposed_by",
        "proposed_at",
        "approved_by",
        "approved_at",
        "completed_at",
    ]
    list_filter = ["kind"]
    list_select_related = ["user", "proposed_by", "approved_by"]
    actions = ["approve"]

    @admin.display(description="Holder's email now")
    def holder_email(self, obj: CredentialReset) -> str:
        return obj.user.email or "—"

    @admin.display(description="Email last changed")
    def holder_email_changed(self, obj: CredentialReset) -> Any:
        return obj.user.email_changed_at or "never changed (set at creation)"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a proposal is approved (the action below), never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The list's only action is an edit of its own, not Django's change permission.
        actions = super().get_actions(request)
        if not policy.can(request.user, self.edit_capability):
            actions.pop("approve", None)
        return actions

    def save_model(self, request: HttpRequest, obj: CredentialReset, form: Any, change: bool) -> None:
        try:
            made = services.credential_reset_propose(
                actor=_staff(request), user=obj.user, kind=obj.kind, reason=obj.reason, role=obj.role
            )
        except (services.InvalidInput, services.NotAllowed) as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = made.pk
        obj.proposed_by, obj.proposed_at = made.proposed_by, made.proposed_at

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # credential_reset_propose wrote its own audit row

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        editor = request.user

        class Checked(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean() or {}
                user, kind = data.get("user"), data.get("kind")
                if user is not None and user.pk == editor.pk:
                    self.add_error("user", "Nobody resets their own sign-in here: ask another administrator.")
                if len((data.get("reason") or "").strip()) < 10:
                    self.add_error("reason", "Say in a sentence why (for example how the holder asked).")
                if kind == CredentialReset.Kind.ROLE and not data.get("role"):
                    self.add_error("role", "Choose the role to give.")
                if user is not None and kind == CredentialReset.Kind.PASSWORD and not user.email:
                    self.add_error("user", "This person has no email address: the password link needs one.")
                return data

        return Checked

    @admin.action(description="Approve the selected resets (proposed by another administrator)")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        done, refused = 0, []
        for reset in queryset:
            try:
                services.credential_reset_approve(actor=_staff(request), reset=reset)
                done += 1
            except (services.InvalidInput, services.NotAllowed) as exc:
                refused.append(f"#{reset.pk}: {exc}")
        if done:
            messages.success(request, f"{done} approved; each holder is told.")
        for text in refused:
            messages.error(request, text)

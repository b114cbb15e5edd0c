"""The admin's read-only views of the audit log and the break-glass grants (registered here, above accounts,
whose CapabilityAdmin they use: the audit app itself imports nothing above core)."""

from django.contrib import admin

from leadline.accounts.admin_site import CapabilityAdmin
from leadline.audit.models import AuditEvent
from leadline.participants.models import BreakGlassGrant


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(CapabilityAdmin):
    view_capability = "audit_report.view"
    read_only = True
    list_display = ["user", "participant_id", "opened_at", "expires_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(CapabilityAdmin):
    view_capability = "audit_report.view"
    read_only = True
    list_display = [
        "occurred_at",
        "actor_username",
        "actor_role",
        "action",
        "subject_type",
        "subject_id",
        "via",
    ]
    list_filter = ["action", "actor_role", "law_enforcement", "via"]
    search_fields = ["actor_username", "subject_id"]

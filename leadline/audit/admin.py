from django.contrib import admin

from leadline.audit.models import AuditEvent
from leadline.core.admin_site import CapabilityAdmin


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

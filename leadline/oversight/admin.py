from django.contrib import admin

from leadline.core.admin_site import CapabilityAdmin
from leadline.participants.models import BreakGlassGrant


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(CapabilityAdmin):
    view_capability = "audit_report.view"
    read_only = True
    list_display = ["user", "participant_id", "opened_at", "expires_at"]

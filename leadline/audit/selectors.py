"""Reading the audit trail without a capability check, for callers that checked their own: the policy
pack's law-enforcement aggregates (workgroup.pack) and the oversight reports (oversight.selectors, which
check ``audit_report.view`` first). The reports themselves live in the oversight app."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from leadline.audit.models import AuditEvent


def law_enforcement_events(*, start: datetime, end: datetime) -> QuerySet[AuditEvent]:
    """Every law-enforcement access in [start, end)."""
    return AuditEvent.objects.filter(law_enforcement=True, occurred_at__gte=start, occurred_at__lt=end)

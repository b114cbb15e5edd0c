"""Directory's source of the participant's timeline (participants.timeline, registered from
DirectoryConfig.ready()): each service referral's steps (sent, accepted, declined, completed...), for the
readers of service referrals of this participant (``service_referral.view`` in their access: the case
manager's caseload, the program)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from leadline.accounts.decorators import AuthedRequest
from leadline.directory.models import ServiceReferralEvent
from leadline.participants.selectors import ParticipantView
from leadline.participants.timeline import TimelineEntry, register_source


def service_referrals(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    if not view.access.has("service_referral.view"):
        return []
    rows = ServiceReferralEvent.objects.filter(referral__participant=view.participant)
    if before is not None:
        rows = rows.filter(at__lt=before)
    out = []
    for e in rows.select_related("referral__service", "by").order_by("-at", "-id")[:limit]:
        title = _("Service referral to %(service)s: %(status)s") % {
            "service": e.referral.service.name,
            "status": e.get_status_display(),
        }
        by = e.by.get_full_name() if e.by else (_("the provider, by the emailed link") if e.by_link else "")
        out.append(
            TimelineEntry(
                at=e.at,
                kind="service_referral",
                key=f"service_referral_event:{e.pk}",
                title=title,
                details=(("referral-reason", e.reason),) if e.reason else (),
                by=str(by),
                url=reverse("directory:referral", args=[e.referral_id]),
                section="timeline",
            )
        )
    return out


register_source("directory.service_referrals", service_referrals)

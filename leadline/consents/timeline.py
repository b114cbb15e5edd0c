"""Consents' sources of the participant's timeline (participants.timeline, registered from
ConsentsConfig.ready()): each consent given, and each consent ended (revoked, its event, replaced, withdrawn
unsigned), for readers of the consents (``consent.view``), as the consents section shows them."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from leadline.accounts.decorators import AuthedRequest
from leadline.consents.models import Consent
from leadline.participants.selectors import ParticipantView
from leadline.participants.timeline import TimelineEntry, register_source


def _url(c: Consent) -> str:
    return reverse("consents:detail", args=[c.participant_id, c.pk])


def given(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    if not view.access.has("consent.view"):
        return []
    rows = Consent.objects.filter(participant=view.participant)
    if before is not None:
        rows = rows.filter(given_at__lt=before)
    return [
        TimelineEntry(
            at=c.given_at,
            kind="consent",
            key=f"consent:{c.pk}:given",
            title=_("Consent given: %(kind)s") % {"kind": c.get_kind_display()},
            details=(("consent-recipient", _("To: %(r)s") % {"r": c.recipient}),),
            by=c.recorded_by.get_full_name(),
            url=_url(c),
            section="consents",
        )
        for c in rows.select_related("recorded_by").order_by("-given_at", "-id")[:limit]
    ]


def ended(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    if not view.access.has("consent.view"):
        return []
    rows = Consent.objects.filter(participant=view.participant, ended_at__isnull=False)
    if before is not None:
        rows = rows.filter(ended_at__lt=before)
    out = []
    for c in rows.select_related("revoked_by").order_by("-ended_at", "-id")[:limit]:
        reason = c.get_end_reason_display() if c.end_reason else ""
        out.append(
            TimelineEntry(
                at=c.ended_at,  # type: ignore[arg-type]
                kind="consent",
                key=f"consent:{c.pk}:ended",
                title=_("Consent ended: %(kind)s") % {"kind": c.get_kind_display()},
                details=(("consent-end", str(reason)),) if reason else (),
                by=c.revoked_by.get_full_name() if c.revoked_by else "",
                url=_url(c),
                section="consents",
            )
        )
    return out


register_source("consents.given", given)
register_source("consents.ended", ended)

"""Legal's sources of the participant's timeline (participants.timeline, registered from LegalConfig.ready()):
the legal matter opened, its extensions, its notices (generated, confirmed) and past court dates, for readers
of legal matters (``legal_matter.view``, through ``matters_visible_to``: its scope, and no sealed matter for
a role it is sealed from); and the LEAD referral behind the participant, through referrals' own
``referrals_visible_to``.

The LEAD referral's source lives here because referrals sits below legal and the participant's page was
rebuilt while referrals was closed to changes (issue #17): it reads only through referrals' policy, and can
move to ``referrals/timeline.py`` unchanged."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest
from leadline.core import clock
from leadline.legal.models import CourtDate, Extension, LegalMatter, Notice
from leadline.legal.selectors import matters_visible_to, people_visible_to
from leadline.participants.selectors import ParticipantView
from leadline.participants.timeline import TimelineEntry, register_source
from leadline.referrals.policy import referrals_visible_to


def _name(user: object) -> str:
    return user.get_full_name() if user is not None else ""  # type: ignore[attr-defined]


def _matters(request: AuthedRequest, view: ParticipantView) -> QuerySet[LegalMatter]:
    return matters_visible_to(request.user).filter(participant=view.participant)


def matters(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    if not policy.can(request.user, "legal_matter.view"):
        return []
    rows = _matters(request, view)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    return [
        TimelineEntry(
            at=m.created_at,
            kind="legal",
            key=f"matter:{m.pk}",
            title=_("Legal matter opened: the charge is held (%(state)s)") % {"state": m.get_state_display()},
            url=reverse("legal:detail", args=[m.pk]),
            section="legal",
        )
        for m in rows.order_by("-created_at", "-id")[:limit]
    ]


def extensions(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    if not policy.can(request.user, "legal_matter.view"):
        return []
    rows = Extension.objects.filter(matter__in=_matters(request, view))
    if before is not None:
        rows = rows.filter(granted_at__lt=before)
    return [
        TimelineEntry(
            at=e.granted_at,
            kind="legal",
            key=f"extension:{e.pk}",
            title=_("Legal window extended by %(n)s days") % {"n": e.days},
            details=(("extension-reason", e.reason),),
            by=_name(e.granted_by),
            url=reverse("legal:detail", args=[e.matter_id]),
            section="legal",
        )
        for e in rows.select_related("granted_by").order_by("-granted_at", "-id")[:limit]
    ]


def notices(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each notice when it was generated, and (a second entry) when it was confirmed."""
    if not policy.can(request.user, "legal_matter.view"):
        return []
    base = Notice.objects.filter(matter__in=_matters(request, view)).defer("pdf")
    made = base if before is None else base.filter(generated_at__lt=before)
    done = base.filter(confirmed_at__isnull=False)
    if before is not None:
        done = done.filter(confirmed_at__lt=before)
    out = [
        TimelineEntry(
            at=n.generated_at,
            kind="legal",
            key=f"notice:{n.pk}",
            title=_("Notice sent: %(kind)s") % {"kind": n.get_kind_display()},
            details=(("notice-to", _("To: %(to)s") % {"to": n.sent_to}),),
            url=reverse("legal:detail", args=[n.matter_id]),
            section="legal",
        )
        for n in made.order_by("-generated_at", "-id")[:limit]
    ]
    out += [
        TimelineEntry(
            at=n.confirmed_at,  # type: ignore[arg-type]
            kind="legal",
            key=f"notice:{n.pk}:confirmed",
            title=_("Notice confirmed: %(kind)s") % {"kind": n.get_kind_display()},
            by=_name(n.confirmed_by),
            url=reverse("legal:detail", args=[n.matter_id]),
            section="legal",
        )
        for n in done.select_related("confirmed_by").order_by("-confirmed_at", "-id")[:limit]
    ]
    out.sort(key=lambda e: e.at, reverse=True)
    return out[:limit]


def court_dates(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Court dates that have come (the coming ones are on the legal page and the day): readers of the
    participant's legal records (``people_visible_to``)."""
    if not policy.can(request.user, "legal_matter.view"):
        return []
    now = clock.now()
    until = min(before, now) if before is not None else now
    reachable = people_visible_to(request.user).filter(pk=view.participant.pk).values("pk")
    rows = CourtDate.objects.filter(participant=view.participant, participant_id__in=reachable, at__lt=until)
    return [
        TimelineEntry(
            at=d.at,
            kind="legal",
            key=f"court_date:{d.pk}",
            title=_("Court date: %(court)s") % {"court": d.court},
            details=(("court-purpose", d.purpose),) if d.purpose else (),
            url=reverse("legal:person", args=[view.participant.pk]),
            section="legal",
        )
        for d in rows.order_by("-at", "-id")[:limit]
    ]


def lead_referrals(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    """The LEAD referrals that brought the participant in (door, result, the officer), for those who may
    read referrals (``referral.view``; a sealed infraction's referral is gone for a role sealed from it)."""
    if not policy.can(request.user, "referral.view"):
        return []
    rows = referrals_visible_to(request.user).filter(participant=view.participant)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    return [
        TimelineEntry(
            at=r.created_at,
            kind="referral",
            key=f"referral:{r.pk}",
            title=_("Referred to LEAD: %(door)s (%(status)s)")
            % {"door": r.get_door_display(), "status": r.get_status_display()},
            by=_name(r.referred_by),
            url=reverse("referrals:detail", args=[r.pk]),
            section="timeline",
        )
        for r in rows.select_related("referred_by").order_by("-created_at", "-id")[:limit]
    ]


register_source("legal.matters", matters)
register_source("legal.extensions", extensions)
register_source("legal.notices", notices)
register_source("legal.court_dates", court_dates)
register_source("legal.lead_referrals", lead_referrals)

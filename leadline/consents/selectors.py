from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Q

from leadline.consents.models import Consent
from leadline.core import clock
from leadline.sites.selectors import site_get


def _today() -> date:
    site = site_get()
    now = clock.now()
    return now.astimezone(ZoneInfo(site.time_zone)).date() if site else now.date()


def consents_in_force(*, participant_ids: Iterable[int], kind: str) -> dict[int, Consent]:
    """participant id -> their consent of this kind in force today (not revoked, not expired)."""
    ids = [pid for pid in participant_ids if pid]
    if not ids:
        return {}
    rows = Consent.objects.filter(participant_id__in=ids, kind=kind, revoked_at__isnull=True).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=_today())
    )
    return {c.participant_id: c for c in rows}


def consent_list_for_participant(*, participant_id: int) -> list[Consent]:
    return list(Consent.objects.filter(participant_id=participant_id).select_related("recorded_by"))

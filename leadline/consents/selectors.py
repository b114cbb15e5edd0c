from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max

from leadline.consents.models import AccountingRequest, Consent, Disclosure
from leadline.core import clock
from leadline.sites.selectors import site_get


def _today() -> date:
    site = site_get()
    now = clock.now()
    return now.astimezone(ZoneInfo(site.time_zone)).date() if site else now.date()


def consent_state(consent: Consent, on: date) -> str:
    """in-force | awaiting-signature | expired | revoked | ended"""
    if consent.ended_at is not None:
        return "revoked" if consent.end_reason == Consent.EndReason.REVOKED else "ended"
    if consent.needs_signature:
        return "awaiting-signature"
    if consent.expires_on is not None and consent.expires_on < on:
        return "expired"
    return "in-force"


def consent_revocable(consent: Consent, on: date) -> bool:
    """A 2.35 consent marked irrevocable can be revoked only from its date on or once its event has been
    recorded (whichever comes first: the form says "I cannot revoke it before <date>"); every other consent
    can be revoked at any time."""
    if not consent.irrevocable or consent.needs_signature:
        return True
    if consent.irrevocable_event_at is not None:
        return True
    return consent.irrevocable_until is not None and on >= consent.irrevocable_until


def consent_list_for_participant(*, participant_id: int) -> list[Consent]:
    """The participant's consents, each with its state and its disclosures counted (two queries)."""
    rows = list(
        Consent.objects.filter(participant_id=participant_id)
        .select_related("recorded_by", "recipient_agency")
        .defer("form_text")
    )
    stats: dict[int, tuple[int, Any]] = {
        r["consent_id"]: (r["n"], r["last"])
        for r in Disclosure.objects.filter(consent__in=rows)
        .values("consent_id")
        .annotate(n=Count("id"), last=Max("disclosed_at"))
    }
    on = _today()
    for c in rows:
        c.state = consent_state(c, on)  # type: ignore[attr-defined]
        c.revocable = consent_revocable(c, on)  # type: ignore[attr-defined]
        c.disclosure_count, c.last_disclosed_at = stats.get(c.pk, (0, None))  # type: ignore[attr-defined]
    return rows


def accounting_open_for_participant(*, participant_id: int) -> list[Any]:
    """The participant's requests for an accounting of disclosures not answered yet (one query)."""
    rows = list(AccountingRequest.objects.filter(participant_id=participant_id, answered_at__isnull=True))
    on = _today()
    for r in rows:
        r.overdue = r.due_on < on  # type: ignore[attr-defined]
    return rows

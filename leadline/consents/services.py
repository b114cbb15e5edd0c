"""Recording and revoking consents; every one is audited with its actor, time and policy version
(PRODUCT.md §4 rule 6)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents.models import Consent
from leadline.consents.selectors import _today
from leadline.core import clock
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access
from leadline.sites.selectors import policy_version_today

# What the case manager reads out, per kind; the version is stored with each consent.
WORDING = {
    Consent.Kind.OFFICER_FEEDBACK: {
        "version": "2026-11",
        "recipient": "the police officer(s) who referred me to LEAD",
        "information": "whether I engaged with LEAD (yes or not yet); nothing about my health, treatment, "
        "case notes or where I am",
        "purpose": "so the officers who refer people learn that diversion works",
    }
}


class ConsentRefused(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _require(actor: Any, participant: Participant) -> None:
    if not participant_access(actor, participant).has("consent.edit"):
        raise ConsentRefused("kind", _("You may not record consents for this participant."))


def consent_record(
    *, actor: Any, participant: Participant, kind: str, method: str, expires_on: date | None = None
) -> tuple[Consent, bool]:
    """Record a consent as the participant gave it. Returns (consent, created); a second submit while
    one is in force returns that one."""
    _require(actor, participant)
    if kind not in WORDING:
        raise ConsentRefused("kind", _("Unknown kind of consent."))
    if method not in Consent.Method.values:
        raise ConsentRefused("method", _("How was it given: choose one."))
    if expires_on is not None and expires_on <= _today():
        raise ConsentRefused("expires_on", _("The expiry date must be after today."))
    wording = WORDING[Consent.Kind(kind)]
    existing = Consent.objects.filter(participant=participant, kind=kind, revoked_at__isnull=True).first()
    if existing is not None:
        return existing, False
    now = clock.now()
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                participant=participant, kind=kind, recipient=wording["recipient"],
                information=wording["information"], purpose=wording["purpose"],
                wording_version=wording["version"], method=method, given_at=now, recorded_by=actor,
                policy_version=policy_version_today(), expires_on=expires_on,
            )  # fmt: skip
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, subject_type="consent", subject_id=consent.pk,
                participant_id=participant.pk,
                changes={"kind": kind, "method": method, "wording_version": wording["version"],
                         "policy_version": consent.policy_version.label if consent.policy_version else None,
                         "expires_on": expires_on.isoformat() if expires_on else None},
            )  # fmt: skip
    except IntegrityError:
        # A twin submit raced past the check above; the partial unique constraint kept one.
        return Consent.objects.get(participant=participant, kind=kind, revoked_at__isnull=True), False
    return consent, True


def consent_revoke(*, actor: Any, consent: Consent, note: str) -> Consent:
    """The participant takes the consent back. From now on nothing more is disclosed under it."""
    _require(actor, consent.participant)
    note = note.strip()
    if len(note) < 3:
        raise ConsentRefused("note", _("Note: say in a few words how the participant revoked it."))
    now = clock.now()
    version = policy_version_today()
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor, revocation_note=note[:500]
        )
        if updated != 1:
            raise ConsentRefused("note", _("This consent was already revoked."))
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="consent", subject_id=consent.pk,
            participant_id=consent.participant_id, reason=note[:500],
            changes={"revoked": True, "policy_version": version.label if version else None},
        )  # fmt: skip
    consent.refresh_from_db()
    return consent

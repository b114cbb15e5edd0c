"""Recording, signing, revoking and ending consents; every step is audited with its actor, time and
policy version (PRODUCT.md §4 rule 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadline.accounts.models import Agency, User
from leadline.accounts.roles import FIREWALL
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_subjects
from leadline.consents import wording
from leadline.consents.documents import Document
from leadline.consents.models import Consent, ConsentDocument, Disclosure, DisclosureNotice
from leadline.consents.policy import (
    INFO_DATA_CLASS,
    KIND_INFO,
    KIND_RECIPIENTS,
    RECIPIENT_ROLE,
    REQUIRED_INFO,
    Info,
    current_notice,
)
from leadline.consents.selectors import _today, consent_revocable
from leadline.core import clock, refusals
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access
from leadline.sites.selectors import policy_version_today, site_get

# The organisation a named recipient must belong to, per recipient kind.
RECIPIENT_AGENCY_KIND: dict[str, str] = {
    Consent.RecipientKind.PROSECUTOR: Agency.Kind.PROSECUTOR,
    Consent.RecipientKind.DEFENDER: Agency.Kind.DEFENDER,
    Consent.RecipientKind.PROVIDER: Agency.Kind.SERVICE_PROVIDER,
}


class ConsentRefused(refusals.Refused):
    def __init__(self, field: str, message: str, *, status: int | None = None):
        super().__init__(message, field, status=status)


@dataclass
class ConsentInput:
    kind: str
    method: str = Consent.Method.VERBAL
    categories: tuple[str, ...] = ()
    recipient_kind: str = ""
    recipient_agency: Agency | None = None
    purpose: str = ""
    expires_on: date | None = None
    expiry_event: str = ""
    irrevocable: bool = False
    irrevocable_until: date | None = None
    irrevocable_event: str = ""
    signature: Document | None = None
    signed_by_name: str = ""
    signer_relationship: str = ""


def _require(actor: User, participant: Participant) -> None:
    if not participant_access(actor, participant).has("consent.edit"):
        raise ConsentRefused("kind", _("You may not record consents for this participant."))


def discloser_name() -> str:
    site = site_get()
    return _("%(site)s LEAD program (case management)") % {"site": site.name if site else "LEAD"}


def _terms(data: ConsentInput, participant: Participant) -> wording.Terms:
    """Check every element and return the terms; raises ConsentRefused naming the field."""
    if data.kind not in Consent.Kind.values:
        raise ConsentRefused("kind", _("Unknown kind of consent."))
    kind = Consent.Kind(data.kind)
    if data.method not in Consent.Method.values:
        raise ConsentRefused("method", _("How was it given: choose one."))
    allowed_info = KIND_INFO[kind]
    categories = tuple(c for c in allowed_info if c in set(data.categories) | set(REQUIRED_INFO[kind]))
    if set(data.categories) - set(allowed_info):
        raise ConsentRefused("categories", _("This kind of consent cannot carry that information."))
    if Info.REFERRAL in categories and data.recipient_kind != Consent.RecipientKind.PROVIDER:
        raise ConsentRefused("categories", _("Referral details go only to a service provider."))
    today = _today()
    if data.expires_on is not None and data.expires_on <= today:
        raise ConsentRefused("expires_on", _("The expiry date must be after today."))
    name = f"{participant.given_name} {participant.family_name}".strip()
    if kind == Consent.Kind.OFFICER_FEEDBACK:
        return wording.Terms(
            kind=kind, participant_name=name, discloser=discloser_name(),
            recipient=str(Consent.RecipientKind.REFERRING_OFFICER.label), categories=categories,
            purpose=wording.default_purpose(kind), expires_on=data.expires_on,
        )  # fmt: skip
    # Part 2 (2.31) and criminal-justice (2.35): every element, in writing.
    if data.method != Consent.Method.WRITTEN:
        raise ConsentRefused("method", _("A Part 2 consent must be in writing and signed."))
    if data.recipient_kind not in KIND_RECIPIENTS[kind]:
        raise ConsentRefused("recipient_kind", _("To whom: choose who may receive the information."))
    agency = data.recipient_agency
    if agency is None or not agency.is_active or agency.kind != RECIPIENT_AGENCY_KIND[data.recipient_kind]:
        raise ConsentRefused("recipient_agency", _("Recipient organisation: choose the named organisation."))
    purpose = data.purpose.strip()
    if len(purpose) < 10:
        raise ConsentRefused("purpose", _("Purpose: say in a sentence why the information is shared."))
    if data.expires_on is None:
        raise ConsentRefused("expires_on", _("Expires: a Part 2 consent needs an expiry date."))
    if data.irrevocable:
        if kind != Consent.Kind.CRIMINAL_JUSTICE:
            raise ConsentRefused(
                "irrevocable", _("Only a criminal-justice consent (42 CFR 2.35) can be irrevocable.")
            )
        if data.irrevocable_until is None and not data.irrevocable_event.strip():
            raise ConsentRefused(
                "irrevocable_until", _("Irrevocable until: give a date or the event it lasts until.")
            )
        if data.irrevocable_until is not None and not today < data.irrevocable_until <= data.expires_on:
            raise ConsentRefused(
                "irrevocable_until", _("Irrevocable until: a date after today and not after the expiry date.")
            )

    refused = [
        c for c in categories if RECIPIENT_ROLE[data.recipient_kind] in FIREWALL.get(INFO_DATA_CLASS[c], ())
    ]
    if refused:
        raise ConsentRefused(
            "categories", _("This recipient may never receive substance-use treatment information.")
        )
    label = Consent.RecipientKind(data.recipient_kind).label
    return wording.Terms(
        kind=kind, participant_name=name, discloser=discloser_name(), recipient=f"{agency.name} ({label})",
        categories=categories, purpose=purpose[:300], expires_on=data.expires_on,
        expiry_event=data.expiry_event.strip()[:300], irrevocable=data.irrevocable,
        irrevocable_until=data.irrevocable_until if data.irrevocable else None,
        irrevocable_event=data.irrevocable_event.strip()[:300] if data.irrevocable else "",
    )  # fmt: skip


def _open_same(participant: Participant, data: ConsentInput) -> Consent | None:
    return (
        Consent.objects.select_for_update()
        .filter(participant=participant, ended_at__isnull=True, **_key(data))
        .first()
    )


def _key(data: ConsentInput) -> dict[str, Any]:
    feedback = data.kind == Consent.Kind.OFFICER_FEEDBACK
    return {
        "kind": data.kind,
        "recipient_kind": Consent.RecipientKind.REFERRING_OFFICER if feedback else data.recipient_kind,
        "recipient_agency": None if feedback else data.recipient_agency,
    }


def _same_terms(existing: Consent, terms: wording.Terms) -> bool:
    return (
        list(existing.categories) == list(terms.categories)
        and existing.purpose == terms.purpose
        and existing.expires_on == terms.expires_on
        and existing.expiry_event == terms.expiry_event
        and existing.irrevocable == terms.irrevocable
        and existing.irrevocable_until == terms.irrevocable_until
        and existing.irrevocable_event == terms.irrevocable_event
    )


def _document_add(*, actor: User, consent: Consent, document: Document, purpose: str) -> None:
    ConsentDocument.objects.create(
        consent=consent, purpose=purpose, method=document.method, content_type=document.content_type,
        data=document.data, sha256=document.sha256, added_by=actor, added_at=clock.now(),
    )  # fmt: skip


def consent_record(*, actor: User, participant: Participant, **fields: Any) -> tuple[Consent, bool]:
    """Record a consent as the participant gave it. Returns (consent, created). A second submit while
    the same consent is open returns that one; an expired one is closed and replaced."""
    _require(actor, participant)
    data = ConsentInput(**fields)
    terms = _terms(data, participant)
    if data.signature is not None and not (data.signed_by_name.strip() or terms.participant_name):
        raise ConsentRefused("signed_by_name", _("Signed by: give the signer's name."))
    language = participant.language or "en"
    now = clock.now()
    version = policy_version_today()
    try:
        with transaction.atomic():
            existing = _open_same(participant, data)
            if existing is not None:
                if existing.expires_on is None or existing.expires_on >= _today():
                    if _same_terms(existing, terms):
                        return existing, False  # a double submit
                    raise ConsentRefused(
                        "recipient_agency" if existing.is_part2 else "kind",
                        _("A consent to this recipient is already open. Revoke or withdraw it first, then "
                          "record the new terms."),
                    )  # fmt: skip
                Consent.objects.filter(pk=existing.pk).update(
                    ended_at=now, end_reason=Consent.EndReason.REPLACED
                )
            signed = data.signature is not None
            signer = (data.signed_by_name.strip() or terms.participant_name)[:200] if signed else ""
            consent = Consent.objects.create(
                participant=participant, participant_name=terms.participant_name, discloser=terms.discloser,
                **_key(data),
                recipient=terms.recipient[:300], categories=list(terms.categories),
                information=wording.information_text(terms.categories)[:600], purpose=terms.purpose,
                wording_version=wording.WORDING_VERSION, language=language,
                form_text=wording.form_text(terms, language), expires_on=terms.expires_on,
                expiry_event=terms.expiry_event, irrevocable=terms.irrevocable,
                irrevocable_until=terms.irrevocable_until, irrevocable_event=terms.irrevocable_event,
                method=data.method, given_at=now, recorded_by=actor, policy_version=version,
                signed_at=now if signed else None,
                signed_by_name=signer,
                signer_relationship=data.signer_relationship.strip()[:100] if signed else "",
            )  # fmt: skip
            if data.signature is not None:
                _document_add(actor=actor, consent=consent, document=data.signature, purpose="signature")
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, subject_type="consent", subject_id=consent.pk,
                participant_id=participant.pk,
                changes={"kind": data.kind, "method": data.method,
                         "wording_version": wording.WORDING_VERSION, "recipient_kind": consent.recipient_kind,
                         "recipient_agency": consent.recipient_agency_id,
                         "categories": list(terms.categories),
                         "signed": signed, "irrevocable": terms.irrevocable,
                         "policy_version": version.label if version else None,
                         "expires_on": terms.expires_on.isoformat() if terms.expires_on else None},
            )  # fmt: skip
    except IntegrityError:
        # A twin submit raced past the check above; the partial unique constraint kept one.
        existing = Consent.objects.filter(
            participant=participant, ended_at__isnull=True, **_key(data)
        ).first()
        if existing is None:
            raise
        return existing, False
    return consent, True


def consent_sign(
    *, actor: User, consent: Consent, document: Document, signed_by_name: str = "",
    signer_relationship: str = "",
) -> Consent:  # fmt: skip
    """Attach the participant's signature (drawn or a signed paper uploaded): from now on it is in force."""
    _require(actor, consent.participant)
    now = clock.now()
    with transaction.atomic(durable=True):
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.ended_at is not None:
            raise ConsentRefused("signature", _("This consent has ended; record a new one."))
        if locked.signed_at is not None:
            raise ConsentRefused("signature", _("This consent is already signed."))
        locked.signed_at = now
        locked.signed_by_name = (signed_by_name.strip() or locked.participant_name)[:200]
        locked.signer_relationship = signer_relationship.strip()[:100]
        locked.save(update_fields=["signed_at", "signed_by_name", "signer_relationship"])
        _document_add(actor=actor, consent=locked, document=document, purpose="signature")
        version = policy_version_today()
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="consent", subject_id=locked.pk,
            participant_id=locked.participant_id,
            changes={"signed": True, "method": document.method, "sha256": document.sha256,
                     "representative": bool(locked.signer_relationship),
                     "policy_version": version.label if version else None},
        )  # fmt: skip
    return locked


def consent_revoke(*, actor: User, consent: Consent, note: str, document: Document | None = None) -> Consent:
    """The participant takes the consent back. From now on nothing more is disclosed under it.

    A signed Part 2 consent is revoked in writing (2.31(a)(6)): the participant signs the revocation on
    the screen or a signed letter is uploaded. A 2.35 consent marked irrevocable cannot be revoked
    before its date or event. An unsigned consent is simply withdrawn (it was never in force)."""
    _require(actor, consent.participant)
    note = note.strip()
    if len(note) < 3:
        raise ConsentRefused("note", _("Note: say in a few words how the participant revoked it."))
    now = clock.now()
    version = policy_version_today()
    with transaction.atomic(durable=True):
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.ended_at is not None:
            raise ConsentRefused("note", _("This consent has already ended."))
        unsigned = locked.needs_signature
        if not unsigned and not consent_revocable(locked, _today()):
            raise ConsentRefused(
                "note", _("This consent is irrevocable until its date or event; it cannot be revoked yet.")
            )
        written = locked.is_part2 and not unsigned
        if written and document is None:
            raise ConsentRefused("signature", _("A Part 2 consent is revoked in writing: sign or upload it."))
        locked.ended_at = now
        locked.end_reason = Consent.EndReason.NOT_SIGNED if unsigned else Consent.EndReason.REVOKED
        if not unsigned:
            locked.revoked_at, locked.revoked_by = now, actor
            locked.revocation_method = Consent.Method.WRITTEN if document else Consent.Method.VERBAL
        locked.revocation_note = note[:500]
        locked.save(update_fields=["ended_at", "end_reason", "revoked_at", "revoked_by", "revocation_method",
                                   "revocation_note"])  # fmt: skip
        if document is not None and not unsigned:
            _document_add(actor=actor, consent=locked, document=document, purpose="revocation")
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="consent", subject_id=locked.pk,
            participant_id=locked.participant_id, reason=note[:500],
            changes={"revoked": not unsigned, "withdrawn_unsigned": unsigned,
                     "in_writing": document is not None,
                     "policy_version": version.label if version else None},
        )  # fmt: skip
    return locked


def consent_event(*, actor: User, consent: Consent, which: str, note: str) -> Consent:
    """Record that the event a consent names has happened: the end of its irrevocability (it may now be
    revoked), or the event it expires on (it ends now)."""
    _require(actor, consent.participant)
    note = note.strip()
    if len(note) < 3:
        raise ConsentRefused("note", _("Note: say what happened and when."))
    now = clock.now()
    with transaction.atomic(durable=True):
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.ended_at is not None:
            raise ConsentRefused("note", _("This consent has already ended."))
        if which == "irrevocable":
            if not locked.irrevocable or not locked.irrevocable_event or locked.irrevocable_event_at:
                raise ConsentRefused("which", _("This consent names no event to record."))
            locked.irrevocable_event_at = now
            locked.save(update_fields=["irrevocable_event_at"])
        elif which == "expiry":
            if not locked.expiry_event:
                raise ConsentRefused("which", _("This consent names no event to record."))
            if not consent_revocable(locked, _today()):
                # Its end is part of what was promised to the court: not before the irrevocability ends.
                raise ConsentRefused(
                    "note", _("This consent is irrevocable until its date or event; it cannot end before.")
                )
            locked.ended_at, locked.end_reason = now, Consent.EndReason.EXPIRY_EVENT
            locked.save(update_fields=["ended_at", "end_reason"])
        else:
            raise ConsentRefused("which", _("Choose which event happened."))
        version = policy_version_today()
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="consent", subject_id=locked.pk,
            participant_id=locked.participant_id, reason=note[:500],
            changes={"event": which, "policy_version": version.label if version else None},
        )  # fmt: skip
    return locked


def disclosures_record(
    *,
    recipient: Any,
    shown: dict[int, tuple[Consent, list[str]]],
    channel: str,
    notice: DisclosureNotice | None = None,
) -> DisclosureNotice | None:
    """Log what was shown: participant id -> (the consent it was shown under, the information shown).
    One Disclosure row per participant, and one audit row each, in two INSERTs. Returns the 2.32
    notice that must accompany it when any of it went under a Part 2 consent. The policy decides what may
    be shown (``may_disclose``); this writes what was. Not durable: it is called while a page or another
    service reads, inside whatever transaction that holds, and its rows commit (or roll back) with it."""
    if not shown:
        return None
    part2 = any(consent.is_part2 for consent, _infos in shown.values())
    if part2 and notice is None:
        notice = current_notice()
        if notice is None:  # fail closed: a Part 2 disclosure never goes out without its notice
            raise RuntimeError("No 42 CFR 2.32 notice is in effect; add a DisclosureNotice.")
    # The rows and their audit together: inside a caller's transaction, as part of it (no savepoint: a
    # failure here fails the caller's unit whole), else as a transaction of their own.
    with transaction.atomic(savepoint=False):
        version = policy_version_today()
        now = clock.now()
        role = str(getattr(recipient, "role", ""))
        Disclosure.objects.bulk_create(
            [
                Disclosure(
                    disclosed_at=now, participant_id=pid, consent=consent, recipient=recipient,
                    recipient_role=role, categories=sorted(set(infos)), channel=channel,
                    notice=notice if consent.is_part2 else None, policy_version=version,
                )
                for pid, (consent, infos) in sorted(shown.items())
            ]
        )  # fmt: skip
        audit_record_subjects(
            actor=recipient,
            action=AuditEvent.Action.VIEW,
            subject_type="consent",
            subjects=[(consent.pk, pid) for pid, (consent, _infos) in sorted(shown.items())],
            reason="disclosure under the participant's consent",
            changes={
                "channel": channel,
                "notice": notice.version if (notice and part2) else None,
                "policy_version": version.label if version else None,
            },
        )
    return notice if part2 else None

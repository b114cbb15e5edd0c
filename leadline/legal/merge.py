"""What happens to a participant's legal records when the participant is merged into another
(participants.services.participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from typing import Any

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.legal.models import CourtCase, CourtDate, LegalMatter, NewCharge, Warrant


def participant_merged(*, actor: User, survivor: Any, duplicate: Any) -> dict[str, int]:
    """A duplicate was merged (inside participants.services.participant_merge's transaction): its legal
    matters, other cases, court dates, warrants and new charges are the survivor's, so the prosecutor's
    pages, the workgroup's agenda and the court-date texts find them there.

    A court date or a new charge the survivor already holds (same court and time; same statute and day:
    the same hearing or incident entered twice) is combined into the survivor's row, which takes what
    only the duplicate's knew (its case, purpose, degree, description; a decision where the survivor's
    still waits; a reminder already sent, so the person is not texted twice); the duplicate's row goes,
    its values kept in the audit row of the combination (decision 0029)."""
    moved: dict[str, int] = {"combined": 0, "court_dates": 0, "new_charges": 0}
    for label, model in (("legal_matters", LegalMatter), ("court_cases", CourtCase), ("warrants", Warrant)):
        moved[label] = model.objects.filter(participant=duplicate).update(participant=survivor)
    for d in CourtDate.objects.filter(participant=duplicate):
        same = CourtDate.objects.filter(participant=survivor, at=d.at, court=d.court).first()
        if same is None:
            moved["court_dates"] += CourtDate.objects.filter(pk=d.pk).update(participant=survivor)
            continue
        reminded = [t for t in (same.reminded_at, d.reminded_at) if t is not None]
        fill: dict[str, Any] = {
            "case": same.case or d.case,
            "purpose": same.purpose or d.purpose,
            "reminded_at": min(reminded) if reminded else None,
        }
        was = {"purpose": d.purpose, "case_id": d.case_id, "reminded_at": d.reminded_at}
        _combine(actor, "legal_court_date", gone=d, kept=same, fill=fill, was=was)
        moved["combined"] += 1
    for c in NewCharge.objects.filter(participant=duplicate):
        charge = NewCharge.objects.filter(
            participant=survivor, statute=c.statute, occurred_on=c.occurred_on
        ).first()
        if charge is None:
            moved["new_charges"] += NewCharge.objects.filter(pk=c.pk).update(participant=survivor)
            continue
        fill = {
            "degree": charge.degree or c.degree,
            "description": charge.description or c.description,
            "version": charge.version + 1,
        }
        if charge.decision == NewCharge.Decision.PENDING and c.decision != NewCharge.Decision.PENDING:
            fill |= {"decision": c.decision, "reason": c.reason, "decided_by": c.decided_by,
                     "decided_at": c.decided_at}  # fmt: skip
        was = {"decision": c.decision, "reason": c.reason, "degree": c.degree, "description": c.description}
        _combine(actor, "legal_new_charge", gone=c, kept=charge, fill=fill, was=was)
        moved["combined"] += 1
    return moved


def _combine(
    actor: User, subject: str, *, gone: Any, kept: Any, fill: dict[str, Any], was: dict[str, Any]
) -> None:
    """One row of the duplicate folded into the survivor's equal row: what it held is on the audit row."""
    gone_pk = gone.pk
    type(kept).objects.filter(pk=kept.pk).update(**fill)
    gone.delete()
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, subject_type=subject, subject_id=kept.pk,
        participant_id=kept.participant_id, reason="participant merge",
        changes={"combined_from": gone_pk, "duplicate_participant": gone.participant_id,
                 "duplicate_values": {k: None if v is None else str(v) for k, v in was.items()}},
    )  # fmt: skip

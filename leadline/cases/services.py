from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, diff
from leadline.cases.models import (
    CaseNote,
    Contact,
    Domain,
    GoalProgress,
    Intake,
    IntakeAnswer,
    MonthlyStatus,
    PlanGoal,
    PlanItem,
    Progress,
    domain_sensitivity,
)
from leadline.core import clock, refusals
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access
from leadline.participants.services import (  # one "someone saved meanwhile" for every case record
    StaleEdit,
    participant_update,
    participant_whereabouts_seen,
)

NotAllowed = refusals.NotAllowed  # the one "may not" of every app (403)
IdempotencyConflict = refusals.IdempotencyConflict  # the key was already used for a different note/contact


def case_note_add(
    *, actor: User, participant: Participant, body: str, sensitivity: str, idempotency_key: str
) -> tuple[CaseNote, bool]:
    """Add a note; returns (note, created). A repeated submit with the same key returns the first note."""
    if sensitivity not in participant_access(actor, participant).note_sensitivities_writable:
        raise NotAllowed(
            _("You may not write notes of this sensitivity for this participant."), "sensitivity"
        )

    def replay(existing: CaseNote) -> tuple[CaseNote, bool]:
        same = (existing.participant_id, existing.body, existing.sensitivity) == (
            participant.pk,
            body,
            sensitivity,
        )
        if not same:
            raise IdempotencyConflict(_("This form was already used for another note. Write the note again."))
        return existing, False

    existing = CaseNote.objects.filter(author=actor, idempotency_key=idempotency_key).first()
    if existing is not None:
        return replay(existing)
    try:
        with transaction.atomic():
            note = CaseNote.objects.create(
                participant=participant,
                author=actor,
                body=body,
                sensitivity=sensitivity,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                subject_type="case_note",
                subject_id=note.pk,
                participant_id=participant.pk,
                # Neither the text nor the sensitivity: under Part 2 the fact of treatment is protected.
                changes={"body": body, "sensitivity": "[redacted]"},
            )
    except IntegrityError:
        # Two submits raced past the check above; the unique constraint kept one.
        return replay(CaseNote.objects.get(author=actor, idempotency_key=idempotency_key))
    return note, True


class InvalidCaseInput(refusals.Refused):
    """Bad input for a case record, naming the field (None: the form as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message, field or "")


@dataclass(frozen=True)
class ContactInput:
    kind: str
    reached: bool
    substantive: bool
    occurred_at: datetime
    place: str = ""
    summary: str = ""
    update_whereabouts: bool = False  # the place becomes the last known whereabouts (whereabouts.edit)


def contact_log(
    *, actor: User, participant: Participant, data: ContactInput, idempotency_key: str
) -> tuple[Contact, bool]:
    """Log a contact or an outreach attempt; returns (contact, created). The same form twice is one.

    The place needs contact_locations.edit and the summary case_notes.edit: an outreach worker logs
    where they looked, never a summary of what was said."""
    access = participant_access(actor, participant)
    if not access.has("contact.edit"):
        raise NotAllowed
    if data.place.strip() and not access.has("contact_locations.edit"):
        raise InvalidCaseInput("place", _("You may not record where a contact happened."))
    if data.summary.strip() and not access.has("case_notes.edit"):
        raise InvalidCaseInput("summary", _("You may not write a summary for this participant."))
    if data.update_whereabouts and data.place.strip() and not access.has("whereabouts.edit"):
        raise InvalidCaseInput("update_whereabouts", _("You may not change where this person is."))
    if data.kind not in Contact.Kind.values:
        raise InvalidCaseInput("kind", _("Kind of contact: choose one."))
    now = clock.now()
    if data.occurred_at > now + timedelta(minutes=5):
        raise InvalidCaseInput("occurred_at", _("When: the contact cannot be in the future."))
    if data.occurred_at < now - timedelta(days=92):
        raise InvalidCaseInput(
            "occurred_at", _("When: contacts older than three months are not logged here.")
        )
    existing = Contact.objects.filter(logged_by=actor, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _contact_replay(existing, participant, data)
    try:
        with transaction.atomic(durable=True):
            contact = Contact.objects.create(
                participant=participant, kind=data.kind, reached=data.reached,
                substantive=data.substantive and data.reached, occurred_at=data.occurred_at,
                place=data.place.strip(), summary=data.summary.strip(), logged_by=actor, created_at=now,
                idempotency_key=idempotency_key,
            )  # fmt: skip
            # Keep the participant's latest contact / reach (only ever moving forward in time).
            Participant.objects.filter(pk=participant.pk).filter(
                Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=contact.occurred_at)
            ).update(last_contact_at=contact.occurred_at)
            if contact.reached:
                Participant.objects.filter(pk=participant.pk).filter(
                    Q(last_reached_at__isnull=True) | Q(last_reached_at__lt=contact.occurred_at)
                ).update(last_reached_at=contact.occurred_at)
            if data.update_whereabouts and contact.place:
                # Where they looked is where to look next: participants' own service writes it.
                participant_whereabouts_seen(
                    actor=actor, participant=participant, place=contact.place, seen_at=contact.occurred_at
                )
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, subject_type="contact", subject_id=contact.pk,
                participant_id=participant.pk,
                changes={"kind": contact.kind, "reached": contact.reached,
                         "substantive": contact.substantive},
            )  # fmt: skip
    except IntegrityError:
        return _contact_replay(
            Contact.objects.get(logged_by=actor, idempotency_key=idempotency_key), participant, data
        )
    return contact, True


def _contact_replay(existing: Contact, participant: Participant, data: ContactInput) -> tuple[Contact, bool]:
    if (existing.participant_id, existing.kind, existing.reached) != (
        participant.pk,
        data.kind,
        data.reached,
    ):
        raise IdempotencyConflict(_("This form was already used for another contact. Log it again."))
    return existing, False


def monthly_status_record(
    *, actor: User, participant: Participant, month: date, housing: str, employed: str,
    income_or_benefits: str, expected_version: int | None,
) -> tuple[MonthlyStatus, bool]:  # fmt: skip
    """Record (or correct) one month's status. A correction names the version it started from, so two
    people correcting the same month cannot overwrite each other. Returns (status, created)."""
    if not participant_access(actor, participant).has("monthly_status.edit"):
        raise NotAllowed
    month = month.replace(day=1)
    today = clock.today()
    if month > today:
        raise InvalidCaseInput("month", _("Month: it cannot be in the future."))
    if (today.year - month.year) * 12 + today.month - month.month > 24:
        raise InvalidCaseInput("month", _("Month: only the last 24 months can be recorded here."))
    values = {"housing": housing, "employed": employed, "income_or_benefits": income_or_benefits}
    choices = {"housing": MonthlyStatus.Housing.values, "employed": MonthlyStatus.YesNo.values,
               "income_or_benefits": MonthlyStatus.YesNo.values}  # fmt: skip
    for field, value in values.items():
        if value not in choices[field]:
            raise InvalidCaseInput(field, _("Choose one of the answers."))
    now = clock.now()
    with transaction.atomic():
        existing = (
            MonthlyStatus.objects.select_for_update().filter(participant=participant, month=month).first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    status = MonthlyStatus.objects.create(
                        participant=participant, month=month, recorded_by=actor, recorded_at=now, **values
                    )
            except IntegrityError:
                raise StaleEdit from None  # recorded by someone else a moment ago
            created, before = True, {}
        else:
            if expected_version != existing.version:
                if {k: getattr(existing, k) for k in values} == values:
                    return existing, False  # the same answers sent twice
                raise StaleEdit
            before = {k: getattr(existing, k) for k in values}
            for k, v in values.items():
                setattr(existing, k, v)
            existing.recorded_by, existing.recorded_at, existing.version = actor, now, existing.version + 1
            existing.save()
            status, created = existing, False
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            subject_type="monthly_status", subject_id=status.pk, participant_id=participant.pk,
            changes=diff(before, values) | {"month": month.isoformat()},
        )  # fmt: skip
    return status, created


def intake_save(
    *, actor: User, participant: Participant, answers: dict[str, tuple[bool, str]],
    expected_version: int | None, complete: bool,
) -> Intake:  # fmt: skip
    """Save the intake in progress (a draft, as often as needed) and, with ``complete``, finish it.

    ``answers`` maps a domain to (acute, situation). Health and substance-use domains need their own
    capability, as their notes do. Completing needs every acute domain described; it stamps the date the
    legal clock reads, and a referred person becomes engaged (recorded as a status change)."""
    access = participant_access(actor, participant)
    if not access.has("case_notes.edit"):
        raise NotAllowed
    writable = set(access.note_sensitivities_writable)
    for domain in answers:
        if domain not in Domain.values:
            raise InvalidCaseInput(domain, _("Unknown domain."))
        if domain_sensitivity(domain) not in writable:
            raise InvalidCaseInput(f"{domain}_situation", _("You may not write in this domain."))
    now = clock.now()
    with transaction.atomic(durable=True):
        intake = (
            Intake.objects.select_for_update()
            .filter(participant=participant, completed_at__isnull=True)
            .first()
        )
        if intake is None:
            if expected_version is not None:
                raise StaleEdit  # the intake this form was opened on was completed meanwhile
            try:
                with transaction.atomic():
                    intake = Intake.objects.create(participant=participant, started_at=now, started_by=actor)
            except IntegrityError:
                raise StaleEdit from None  # someone else started one a moment ago
        elif expected_version != intake.version:
            raise StaleEdit
        for domain, (acute, situation) in answers.items():
            IntakeAnswer.objects.update_or_create(
                intake=intake, domain=domain, defaults={"acute": acute, "situation": situation.strip()[:2000]}
            )
        if complete:
            saved = list(intake.answers.all())
            missing = [a.domain for a in saved if a.acute and not a.situation]
            if missing:
                raise InvalidCaseInput(
                    f"{missing[0]}_situation",
                    _("An acute need must say where things stand before completing."),
                )
            if not any(a.situation for a in saved):
                raise InvalidCaseInput(None, _("Describe at least one domain before completing the intake."))
            intake.completed_at, intake.completed_by = now, actor
        intake.version += 1
        intake.save()
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="intake", subject_id=intake.pk,
            participant_id=participant.pk,
            # Which domains, and whether acute: never what was said (health and Part 2 content).
            changes={"domains": sorted(answers), "acute": sorted(d for d, (a, _s) in answers.items() if a),
                     "completed": bool(complete)},
        )  # fmt: skip
        if complete and participant.status == Participant.Status.REFERRED:
            participant_update(
                actor=actor, participant=participant, reason="intake completed", status="engaged"
            )
    return intake


def _require_domain(actor: User, participant: Participant, domain: str) -> None:
    access = participant_access(actor, participant)
    if not access.has("case_notes.edit"):
        raise NotAllowed
    if domain not in Domain.values:
        raise InvalidCaseInput("domain", _("Domain: choose one."))
    if domain_sensitivity(domain) not in access.note_sensitivities_writable:
        raise InvalidCaseInput("domain", _("You may not write in this domain."))


def goal_add(
    *, actor: User, participant: Participant, domain: str, text: str, idempotency_key: str
) -> tuple[PlanGoal, bool]:
    """A goal the participant sets, in their words. Returns (goal, created); a double submit is one goal."""
    _require_domain(actor, participant, domain)
    text = text.strip()
    if len(text) < 3:
        raise InvalidCaseInput("text", _("Goal: write it in the participant's words."))
    existing = PlanGoal.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic(durable=True):
            goal = PlanGoal.objects.create(
                participant=participant, domain=domain, text=text[:300], created_by=actor,
                created_at=clock.now(), idempotency_key=idempotency_key,
            )  # fmt: skip
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, subject_type="plan_goal", subject_id=goal.pk,
                participant_id=participant.pk, changes={"domain": domain},
            )  # fmt: skip
    except IntegrityError:
        return PlanGoal.objects.get(created_by=actor, idempotency_key=idempotency_key), False
    return goal, True


def goal_progress(
    *, actor: User, goal: PlanGoal, level: int, note: str, state: str, expected_version: int
) -> PlanGoal:
    """A step on the harm-reduction scale (any direction: setbacks are recorded, never punished), and
    optionally the goal reached or set aside by the participant."""
    _require_domain(actor, goal.participant, goal.domain)
    if level not in Progress.values:
        raise InvalidCaseInput("level", _("Progress: choose a step on the scale."))
    if state not in PlanGoal.State.values:
        raise InvalidCaseInput("state", _("Choose where the goal stands."))
    now = clock.now()
    with transaction.atomic(durable=True):
        updated = PlanGoal.objects.filter(pk=goal.pk, version=expected_version).update(
            progress=level, state=state, version=expected_version + 1
        )
        if updated != 1:
            raise StaleEdit
        GoalProgress.objects.create(
            goal=goal, level=level, note=note.strip()[:300], recorded_by=actor, recorded_at=now
        )
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="plan_goal", subject_id=goal.pk,
            participant_id=goal.participant_id,
            changes={"progress": {"before": goal.progress, "after": level}, "state": state},
        )  # fmt: skip
    goal.refresh_from_db()
    return goal


def plan_item_add(
    *, actor: User, goal: PlanGoal, action: str, owner: str, due_on: date | None, idempotency_key: str
) -> tuple[PlanItem, bool]:
    _require_domain(actor, goal.participant, goal.domain)
    action = action.strip()
    if len(action) < 3:
        raise InvalidCaseInput("action", _("Step: say what will be done."))
    if owner not in PlanItem.Owner.values:
        raise InvalidCaseInput("owner", _("Who: choose who owns this step."))
    if due_on is not None and due_on < clock.today() - timedelta(days=1):
        raise InvalidCaseInput("due_on", _("By when: the date has already passed."))
    existing = PlanItem.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic(durable=True):
            item = PlanItem.objects.create(
                goal=goal, action=action[:300], owner=owner, due_on=due_on, created_by=actor,
                created_at=clock.now(), idempotency_key=idempotency_key,
            )  # fmt: skip
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, subject_type="plan_item", subject_id=item.pk,
                participant_id=goal.participant_id, changes={"owner": owner, "due_on": str(due_on or "")},
            )  # fmt: skip
    except IntegrityError:
        return PlanItem.objects.get(created_by=actor, idempotency_key=idempotency_key), False
    return item, True


def plan_item_done(*, actor: User, item: PlanItem) -> PlanItem:
    _require_domain(actor, item.goal.participant, item.goal.domain)
    with transaction.atomic(durable=True):
        if PlanItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=clock.now()):
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, subject_type="plan_item", subject_id=item.pk,
                participant_id=item.goal.participant_id, changes={"done": True},
            )  # fmt: skip
    item.refresh_from_db()
    return item

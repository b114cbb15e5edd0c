"""The participant's rights over what left the program under their consents (issue #15, item 13b):

- an **accounting of disclosures** (42 CFR 2.25, answered as 45 CFR 164.528 says): the request is recorded
  with the period the participant chose (three years back at most), answered within 60 days or — once,
  with a written reason told to the participant — 90; the answer lists every disclosure made under a
  consent in the period: date, recipient, what was disclosed and why;
- a **request to restrict** a disclosure (42 CFR 2.26): recorded with the program's agreement or refusal
  and its reason; an agreed restriction is honoured by the one decision point
  (``consents.policy.may_disclose_each``) until it is lifted.

Writes here follow services.py (actor first, atomic, audited); the reads take what the view already
checked (the participant's ``consent.view``/``consent.edit``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts import policy as access_policy
from leadline.accounts.models import Agency, User
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents.models import AccountingRequest, Consent, Disclosure, DisclosureRestriction
from leadline.consents.policy import Info
from leadline.consents.selectors import _today
from leadline.consents.services import RECIPIENT_AGENCY_KIND, ConsentRefused
from leadline.core import clock
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access
from leadline.sites.selectors import site_get

REPORT_LANGUAGES = ("en", "es")
FORM_KEY_TAKEN = gettext_lazy("This form was already used for another participant: open the form again.")


def _require(actor: User, participant: Participant) -> None:
    if participant.merged_into_id or not participant_access(actor, participant).has("consent.edit"):
        raise ConsentRefused("participant", _("You may not record this for this participant."))


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _zone() -> ZoneInfo:
    site = site_get()
    return ZoneInfo(site.time_zone if site else "UTC")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


# --- the accounting --------------------------------------------------------------------------------


def accounting_request_record(
    *,
    actor: User,
    participant: Participant,
    requested_by_name: str,
    requester_relationship: str = "",
    received_on: date,
    period_start: date | None = None,
    idempotency_key: str,
) -> tuple[AccountingRequest, bool]:
    """Record a request for an accounting. The answer is due 60 days after it was received; the period
    is the three years before the request unless the participant chose a shorter one."""
    _require(actor, participant)
    name = requested_by_name.strip()
    if not name:
        raise ConsentRefused("requested_by_name", _("Who asked: give the name of the person who asked."))
    today = _today()
    if received_on > today:
        raise ConsentRefused("received_on", _("Received on: the date cannot be in the future."))
    if received_on < today - timedelta(days=AccountingRequest.ANSWER_DAYS):
        raise ConsentRefused(
            "received_on", _("Received on: a request received more than 60 days ago is already overdue.")
        )
    earliest = years_before(received_on, AccountingRequest.MAX_YEARS)
    start = period_start or earliest
    if start < earliest:
        raise ConsentRefused(
            "period_start", _("Since: an accounting covers at most the three years before the request.")
        )
    if start > received_on:
        raise ConsentRefused("period_start", _("Since: the date must be on or before the request."))
    if not idempotency_key:
        raise ConsentRefused("idempotency_key", _("The form expired: open it again."))
    language = participant.language if participant.language in REPORT_LANGUAGES else "en"
    try:
        with transaction.atomic(durable=True):
            made = AccountingRequest.objects.create(
                participant=participant,
                requested_by_name=name[:200],
                requester_relationship=requester_relationship.strip()[:100],
                received_on=received_on,
                period_start=start,
                period_end=received_on,
                due_on=received_on + timedelta(days=AccountingRequest.ANSWER_DAYS),
                language=language,
                recorded_by=actor,
                recorded_at=clock.now(),
                idempotency_key=idempotency_key[:64],
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                subject_type="accounting_request",
                subject_id=made.pk,
                participant_id=participant.pk,
                reason="request for an accounting of disclosures (42 CFR 2.25)",
                changes={
                    "received_on": received_on.isoformat(),
                    "period_start": start.isoformat(),
                    "due_on": made.due_on.isoformat(),
                },
            )
    except IntegrityError:  # the same form sent twice
        return _sent_before(AccountingRequest, idempotency_key, participant), False
    return made, True


def _sent_before(model: Any, idempotency_key: str, participant: Any) -> Any:
    """The record a form with this key already made (called inside ``except IntegrityError``): the same
    form sent twice gets it back; a key another participant's form used is refused, naming the field."""
    existing = model.objects.filter(idempotency_key=idempotency_key[:64]).first()
    if existing is None:
        raise  # the IntegrityError being handled: not a repeated form
    if existing.participant_id != participant.pk:
        raise ConsentRefused("idempotency_key", str(FORM_KEY_TAKEN), status=409) from None  # a conflict
    return existing


def accounting_request_extend(
    *, actor: User, request: AccountingRequest, reason: str, told_on: date
) -> AccountingRequest:
    """Take the one 30-day extension 164.528(c)(2) allows: within the first 60 days, the participant is
    told in writing why and by when they will have the answer."""
    _require(actor, request.participant)
    reason = reason.strip()
    if len(reason) < 10:
        raise ConsentRefused("reason", _("Reason: say in a sentence why the answer is late."))
    with transaction.atomic(durable=True):
        locked = AccountingRequest.objects.select_for_update().get(pk=request.pk)
        if locked.answered_at is not None:
            raise ConsentRefused("reason", _("This request was already answered."))
        if locked.extended_at is not None:
            raise ConsentRefused("reason", _("The answer can be put off only once."))
        if _today() > locked.due_on:  # 164.528(c)(2): only within the 60 days, whatever date is given
            raise ConsentRefused(
                "told_on",
                _("Told on: the answer is overdue; it can be put off only before its due date."),
            )
        if told_on > _today() or told_on < locked.received_on or told_on > locked.due_on:
            raise ConsentRefused(
                "told_on", _("Told on: a date between the request and its due date, not in the future.")
            )
        before = locked.due_on
        locked.due_on = before + timedelta(days=AccountingRequest.EXTENSION_DAYS)
        locked.extended_at, locked.extension_reason, locked.extension_told_on = (
            clock.now(),
            reason[:500],
            told_on,
        )
        locked.save(update_fields=["due_on", "extended_at", "extension_reason", "extension_told_on"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="accounting_request",
            subject_id=locked.pk,
            participant_id=locked.participant_id,
            reason=reason,
            changes={
                "due_on": {"before": before.isoformat(), "after": locked.due_on.isoformat()},
                "told_on": told_on.isoformat(),
            },
        )
    return locked


def accounting_request_answer(*, actor: User, request: AccountingRequest) -> AccountingRequest:
    """Mark the request answered when the accounting is produced for the participant. Answering twice
    keeps the first answer's date."""
    _require(actor, request.participant)
    with transaction.atomic(durable=True):
        locked = AccountingRequest.objects.select_for_update().get(pk=request.pk)
        if locked.answered_at is not None:
            return locked
        rows = accounting_rows(locked)
        locked.answered_at, locked.answered_by = clock.now(), actor
        locked.disclosures_listed = sum(r.count for r in rows)
        locked.save(update_fields=["answered_at", "answered_by", "disclosures_listed"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="accounting_request",
            subject_id=locked.pk,
            participant_id=locked.participant_id,
            reason="accounting of disclosures given to the participant",
            changes={"answered": True, "disclosures_listed": locked.disclosures_listed},
        )
    return locked


@dataclass(frozen=True)
class AccountingRow:
    """Disclosures to one recipient under one consent of the same information: one row, with the first
    and last dates and how many (45 CFR 164.528(b)(3) allows this for repeated disclosures)."""

    first: date
    last: date
    count: int
    recipient_name: str
    organisation: str
    categories: tuple[str, ...]
    purpose: str
    consent: Consent

    @property
    def information(self) -> list[str]:
        return [str(Info(c).label) for c in self.categories if c in Info.values]


def accounting_rows(request: AccountingRequest) -> list[AccountingRow]:
    """Every disclosure made under a consent to someone outside the program in the request's period,
    grouped by recipient, consent and information: three queries whatever their number."""
    start, end = _start_of(request.period_start), _start_of(request.period_end + timedelta(days=1))
    groups = list(
        Disclosure.objects.filter(
            participant_id=request.participant_id, disclosed_at__gte=start, disclosed_at__lt=end
        )
        .values("recipient_id", "consent_id", "categories")
        .annotate(first=Min("disclosed_at"), last=Max("disclosed_at"), n=Count("id"))
    )
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in={g["recipient_id"] for g in groups}).select_related("agency")
    }
    consents = {
        c.pk: c for c in Consent.objects.filter(pk__in={g["consent_id"] for g in groups}).defer("form_text")
    }
    zone = _zone()
    rows = []
    for g in groups:
        user, consent = users[g["recipient_id"]], consents[g["consent_id"]]
        rows.append(
            AccountingRow(
                first=g["first"].astimezone(zone).date(),
                last=g["last"].astimezone(zone).date(),
                count=g["n"],
                recipient_name=user.get_full_name() or user.username,
                organisation=user.agency.name if user.agency else consent.recipient,
                categories=tuple(g["categories"] or ()),
                purpose=consent.purpose,
                consent=consent,
            )
        )
    rows.sort(key=lambda r: (r.last, r.first, r.recipient_name), reverse=True)
    return rows


def accounting_requests_for(*, participant: Participant) -> list[AccountingRequest]:
    return list(AccountingRequest.objects.filter(participant=participant).select_related("answered_by"))


def accounting_requests_open_for(*, user: User) -> QuerySet[AccountingRequest]:
    """Requests not answered yet, the nearest due first, for the participants whose consents this user
    keeps: the program manager all, a case manager her caseload. Nobody else."""
    scope = access_policy.scope_of(user, "consent.view")
    qs = AccountingRequest.objects.filter(answered_at__isnull=True, participant__merged_into__isnull=True)
    if scope is Scope.CASELOAD:
        qs = qs.filter(participant__case_manager=user)
    elif scope is not Scope.ALL:
        return qs.none()
    return qs.select_related("participant", "participant__case_manager").order_by("due_on", "id")


# --- restrictions ------------------------------------------------------------------------------------


def restriction_record(
    *,
    actor: User,
    participant: Participant,
    categories: Iterable[str],
    recipient_kind: str,
    recipient_agency: Agency | None,
    request_text: str,
    requested_on: date,
    decision: str,
    reason: str,
    idempotency_key: str,
) -> tuple[DisclosureRestriction, bool]:
    """Record a participant's request to restrict a disclosure and the program's answer (42 CFR 2.26).
    An agreed restriction takes effect at once, in the decision point."""
    _require(actor, participant)
    chosen = sorted(set(categories))
    if not chosen or set(chosen) - set(Info.values):
        raise ConsentRefused("categories", _("What: choose the information the participant wants kept back."))
    if recipient_kind not in Consent.RecipientKind.values:
        raise ConsentRefused("recipient_kind", _("To whom: choose who must not receive it."))
    if recipient_agency is not None and (
        recipient_agency.kind != RECIPIENT_AGENCY_KIND.get(recipient_kind) or not recipient_agency.is_active
    ):
        raise ConsentRefused(
            "recipient_agency", _("Organisation: choose one of that kind, or leave it empty for all of them.")
        )
    text = request_text.strip()
    if not text:
        raise ConsentRefused("request_text", _("The request: write what the participant asked."))
    if requested_on > _today():
        raise ConsentRefused("requested_on", _("Asked on: the date cannot be in the future."))
    if decision not in DisclosureRestriction.Decision.values:
        raise ConsentRefused("decision", _("The program's answer: agree or refuse."))
    reason = reason.strip()
    if len(reason) < 3:
        raise ConsentRefused("decision_reason", _("Reason: say why the program agrees or refuses."))
    if not idempotency_key:
        raise ConsentRefused("idempotency_key", _("The form expired: open it again."))
    try:
        with transaction.atomic(durable=True):
            made = DisclosureRestriction.objects.create(
                participant=participant,
                categories=chosen,
                recipient_kind=recipient_kind,
                recipient_agency=recipient_agency,
                request_text=text[:600],
                requested_on=requested_on,
                decision=decision,
                decision_reason=reason[:500],
                decided_by=actor,
                decided_at=clock.now(),
                idempotency_key=idempotency_key[:64],
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                subject_type="disclosure_restriction",
                subject_id=made.pk,
                participant_id=participant.pk,
                reason=reason,
                changes={
                    "categories": chosen,
                    "recipient_kind": recipient_kind,
                    "recipient_agency": recipient_agency.pk if recipient_agency else None,
                    "decision": decision,
                },
            )
    except IntegrityError:  # the same form sent twice
        return _sent_before(DisclosureRestriction, idempotency_key, participant), False
    return made, True


def restriction_lift(
    *, actor: User, restriction: DisclosureRestriction, reason: str
) -> DisclosureRestriction:
    """End an agreed restriction (the participant asked, or the program tells them it ends): what the
    consents allow may go again from now on."""
    _require(actor, restriction.participant)
    reason = reason.strip()
    if len(reason) < 3:
        raise ConsentRefused("reason", _("Reason: say why the restriction ends."))
    with transaction.atomic(durable=True):
        locked = DisclosureRestriction.objects.select_for_update().get(pk=restriction.pk)
        if not locked.in_force:
            raise ConsentRefused("reason", _("This restriction is not in force."))
        locked.lifted_at, locked.lifted_by, locked.lift_reason = clock.now(), actor, reason[:500]
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="disclosure_restriction",
            subject_id=locked.pk,
            participant_id=locked.participant_id,
            reason=reason,
            changes={"lifted": True},
        )
    return locked


def restrictions_for(*, participant: Participant) -> list[DisclosureRestriction]:
    return list(
        DisclosureRestriction.objects.filter(participant=participant).select_related(
            "recipient_agency", "decided_by", "lifted_by"
        )
    )

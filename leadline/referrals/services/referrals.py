"""Referral writes: submit (with the eligibility decision and consent), override. Audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.notifications.models import Notification
from leadline.notifications.services import notify, work_done
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.services import caseload_limits
from leadline.referrals import events
from leadline.referrals.eligibility import SOCIAL, Facts, decide
from leadline.referrals.models import EligibilityCheck, Referral
from leadline.referrals.policy import may_approve, referrals_visible_to
from leadline.sites.models import EligibleOffence, Site
from leadline.sites.selectors import policy_version_in_force, site_get

K = Notification.Kind
NotAllowed = refusals.NotAllowed  # the one "may not" of every app (403)
IdempotencyConflict = refusals.IdempotencyConflict  # a form's key reused for another referral (409)


class InvalidInput(refusals.Refused, ValueError):
    """Bad input, naming the field (a ValueError too, as it always was); ``status=409`` when the referral
    changed meanwhile."""

    def __init__(self, field: str, message: str, *, status: int | None = None):
        super().__init__(message, field, status=status)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class ReferralInput:
    door: str
    given_name: str
    family_name: str
    person_agrees: bool
    aggrieved_party: str
    occurred_at: datetime
    date_of_birth: date | None = None
    stated_age: int | None = None
    offence: EligibleOffence | None = None
    drug_quantity_grams: Decimal | None = None
    exclusions_flagged: tuple[str, ...] = ()
    place: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    verification: str = ""
    verified_on: date | None = None
    inside_catchment: bool | None = None


OPEN_STATUSES = CASELOAD_STATUSES  # everyone not exited counts against the caseload limits (decision 0010)


def referral_key(referral: Referral) -> str:
    """The work a referral is (core.inbox): its notifications and inbox items carry it."""
    return f"referral:{referral.pk}"


def community_approvers_to_tell() -> list[User]:
    """The designated approvers: the capability and the designation (decision 0009)."""
    return list(policy.users_with_capability("community_approval.edit").filter(is_community_approver=True))


def program_has_capacity(*, site: Site) -> bool:
    """Room on some caseload: active case managers x the hard limit, against open participants."""
    managers = policy.users_with_capability("caseload.view", scope=Scope.CASELOAD).count()
    open_participants = Participant.objects.filter(status__in=OPEN_STATUSES).count()
    return open_participants < managers * caseload_limits()[1]


def referral_submit(*, actor: User, data: ReferralInput, idempotency_key: str) -> tuple[Referral, bool]:
    """Record a police referral (arrest diversion or social contact) and its eligibility decision.
    Returns (referral, created). The same form sent twice (same key) returns the first referral.
    """
    if not policy.can(actor, "referral.edit") or data.door == "community":
        raise NotAllowed
    return _submit(actor=actor, data=data, idempotency_key=idempotency_key)


def _submit(
    *, actor: User, data: ReferralInput, idempotency_key: str, concern: str = ""
) -> tuple[Referral, bool]:
    existing = Referral.objects.filter(referred_by=actor, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replay(actor, existing, data)
    site = site_get()
    if site is None:
        raise InvalidInput("door", "The site is not configured yet.")
    on = data.occurred_at.astimezone(ZoneInfo(site.time_zone)).date()
    version = policy_version_in_force(site=site, on=on)
    if version is None:
        raise InvalidInput("occurred_at", f"No eligibility policy is in force on {on}.")
    if data.offence is not None and data.offence.policy_version_id != version.pk:
        raise InvalidInput("offence", "That offence is not in the policy in force.")
    decision = decide(
        Facts(
            door=data.door,
            on=on,
            date_of_birth=data.date_of_birth,
            stated_age=data.stated_age,
            statute=data.offence.statute if data.offence else None,
            drug_quantity_grams=data.drug_quantity_grams,
            exclusions_flagged=frozenset(data.exclusions_flagged),
            verification=data.verification,
            verified_on=data.verified_on,
            inside_catchment=data.inside_catchment,
            aggrieved_party=data.aggrieved_party,
        ),
        version,
    )
    if not data.person_agrees:
        status = Referral.Status.DECLINED
    elif not decision.eligible:
        status = Referral.Status.INELIGIBLE
    elif data.door == SOCIAL and not program_has_capacity(site=site):
        status = Referral.Status.WAITLISTED
    elif data.door == "community":
        status = Referral.Status.PENDING_APPROVAL  # a designated approver decides
    else:
        status = Referral.Status.ELIGIBLE
    now = clock.now()
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                door=data.door,
                status=status,
                policy_version=version,
                referred_by=actor,
                agency=getattr(actor, "agency", None),
                precinct=getattr(actor, "precinct", None),
                given_name=data.given_name,
                family_name=data.family_name,
                date_of_birth=data.date_of_birth,
                stated_age=data.stated_age,
                occurred_at=data.occurred_at,
                offence=data.offence,
                drug_quantity_grams=data.drug_quantity_grams,
                exclusions_flagged=sorted(data.exclusions_flagged),
                place=data.place,
                latitude=data.latitude,
                longitude=data.longitude,
                verification=data.verification,
                verified_on=data.verified_on,
                inside_catchment=data.inside_catchment,
                person_agrees=data.person_agrees,
                aggrieved_party=data.aggrieved_party,
                consent_witnessed_by=actor,
                consent_recorded_at=now,
                idempotency_key=idempotency_key,
                created_at=now,
                concern=concern,
            )
            EligibilityCheck.objects.bulk_create(
                EligibilityCheck(
                    referral=referral, criterion=c.criterion, passed=c.passed, detail=c.detail[:300]
                )
                for c in decision.checks
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                subject_type="referral",
                subject_id=referral.pk,
                changes={
                    "door": data.door,
                    "status": status,
                    "policy_version": version.label,
                    "ineligible_reasons": [c.criterion for c in decision.reasons],
                    "person_agrees": data.person_agrees,
                    "aggrieved_party": data.aggrieved_party,
                },
            )
    except IntegrityError:
        # A twin submit raced past the check above; the unique constraint kept one.
        return _replay(actor, Referral.objects.get(referred_by=actor, idempotency_key=idempotency_key), data)
    return referral, True


def _replay(actor: User, existing: Referral, data: ReferralInput) -> tuple[Referral, bool]:
    same = (existing.door, existing.given_name, existing.family_name) == (
        data.door,
        data.given_name,
        data.family_name,
    )
    reused = _("This form was already used for another referral. Start a new one.")
    if not same:
        raise IdempotencyConflict(reused)
    if not referrals_visible_to(actor).filter(pk=existing.pk).exists():
        # A sealed infraction (PRODUCT §4 rule 3): a replayed key must not bring it back to the officer.
        raise IdempotencyConflict(reused)
    return existing, False


def referral_override(*, actor: User, referral: Referral, reason: str) -> Referral:
    """Make an ineligible referral eligible: needs the capability and a written reason."""
    if not policy.can(actor, "eligibility_override.edit"):
        raise NotAllowed
    if referral.status != Referral.Status.INELIGIBLE:
        raise InvalidInput("reason", "Only a referral found ineligible can be overridden.")
    if referral.checks.filter(criterion="aggrieved_party", passed=False).exists():
        # PRODUCT §1: the aggrieved party's agreement is a condition of diversion, not a judgement the
        # program may weigh; no override makes a declined referral eligible.
        raise InvalidInput(
            "reason",
            _(
                "The aggrieved party declined: their agreement is a condition of diversion, "
                "so this referral cannot be overridden."
            ),
        )
    if len(reason.strip()) < 10:
        raise InvalidInput("reason", "Write the reason for the override (at least 10 characters).")
    with transaction.atomic(durable=True):
        updated = Referral.objects.filter(Q(pk=referral.pk) & Q(status=Referral.Status.INELIGIBLE)).update(
            status=Referral.Status.ELIGIBLE,
            override_by=actor,
            override_reason=reason.strip(),
            overridden_at=clock.now(),
        )
        if updated != 1:
            raise InvalidInput("reason", "Someone else changed this referral; reload it.", status=409)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="referral",
            subject_id=referral.pk,
            reason=reason.strip(),
            changes={"status": {"before": Referral.Status.INELIGIBLE, "after": Referral.Status.ELIGIBLE}},
        )
        # The officer who referred hears of it (the reason is read in Leadline, never in an email).
        url = reverse("referrals:detail", args=[referral.pk])
        notify([u for u in [referral.referred_by] if u.pk != actor.pk], kind=K.REFERRAL_UPDATE, url=url,
               work_key=referral_key(referral))  # fmt: skip
    referral.refresh_from_db()
    return referral


@dataclass(frozen=True)
class CommunityInput:
    given_name: str
    family_name: str
    concern: str
    person_agrees: bool
    date_of_birth: date | None = None
    stated_age: int | None = None
    place: str = ""
    exclusions_flagged: tuple[str, ...] = ()


def community_referral_submit(
    *, actor: User, data: CommunityInput, idempotency_key: str
) -> tuple[Referral, bool]:
    """A partner organisation refers someone. Eligible ones wait for the designated approver."""
    if not policy.can(actor, "community_referral.edit"):
        raise NotAllowed
    referral_data = ReferralInput(
        door="community", given_name=data.given_name, family_name=data.family_name,
        person_agrees=data.person_agrees, aggrieved_party=Referral.AggrievedParty.NONE_PRESENT,
        occurred_at=clock.now(), date_of_birth=data.date_of_birth, stated_age=data.stated_age,
        exclusions_flagged=data.exclusions_flagged, place=data.place,
    )  # fmt: skip
    with transaction.atomic():
        referral, created = _submit(
            actor=actor, data=referral_data, idempotency_key=idempotency_key, concern=data.concern
        )
        if created and referral.status == Referral.Status.PENDING_APPROVAL:
            # The work is the approvers': a decision (it leaves their inbox and is marked done when made).
            url = reverse("referrals:detail", args=[referral.pk])
            notify(community_approvers_to_tell(), kind=K.REFERRAL, url=url, work_key=referral_key(referral))
    return referral, created


def community_referral_decide(*, actor: User, referral: Referral, approve: bool, reason: str) -> Referral:
    """The designated approver accepts or declines a community referral, with a written reason."""
    if not may_approve(actor):
        raise NotAllowed
    if len(reason.strip()) < 5:
        raise InvalidInput("reason", "Write the reason for the decision.")
    to = Referral.Status.ELIGIBLE if approve else Referral.Status.NOT_APPROVED
    with transaction.atomic(durable=True):
        updated = Referral.objects.filter(pk=referral.pk, status=Referral.Status.PENDING_APPROVAL).update(
            status=to, approval_by=actor, approval_reason=reason.strip(), approval_at=clock.now()
        )
        if updated != 1:
            raise InvalidInput("reason", "This referral is no longer waiting for a decision.", status=409)
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="referral", subject_id=referral.pk,
            reason=reason.strip(),
            changes={"status": {"before": Referral.Status.PENDING_APPROVAL, "after": to}},
        )  # fmt: skip
        work_done(work_key=referral_key(referral), kinds=[K.REFERRAL])  # every approver's: it is decided
        notify([u for u in [referral.referred_by] if u.pk != actor.pk], kind=K.REFERRAL_UPDATE,
               url=reverse("referrals:community_list"), work_key=referral_key(referral))  # fmt: skip
        events.referral_decided(actor=actor, referral=referral)  # an approval puts the person in the queue
    referral.refresh_from_db()
    return referral

"""Closed-loop referrals to services (issue #7, items 2 and 3): a case manager refers a participant to a
listed service; the provider's staff answer and follow it through to an outcome; nothing vanishes.

Statuses are the FHIR Task statuses the Gravity SDOH Clinical Care guide uses for a referral. Who may move
a referral where is data (PROVIDER_MOVES, PROGRAM_MOVES); a reason is required where the guide's
statusReason is (declined, cancelled, on hold, did not work out) and an outcome to complete. Every change
is an event with who, when and why, and audited; a stale version is refused (409), a double submit of
the same referral makes one.

What the provider sees of the person is decided by the consent decision point (consents.policy): with a
consent in force that names the provider's organisation and "referral", the name, phone, language and
the reason; otherwise only the reference, the service and the dates — the case manager introduces them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.directory.models import Service, ServiceReferral, ServiceReferralEvent
from leadline.participants.services import StaleEdit

S = ServiceReferral.Status
OPEN = (S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD)
PROVIDER_MOVES: dict[str, tuple[str, ...]] = {
    S.REQUESTED: (S.ACCEPTED, S.REJECTED),
    S.ACCEPTED: (S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED),
    S.IN_PROGRESS: (S.ON_HOLD, S.COMPLETED, S.FAILED),
    S.ON_HOLD: (S.IN_PROGRESS, S.COMPLETED, S.FAILED),
}
PROGRAM_MOVES: dict[str, tuple[str, ...]] = {status: (S.CANCELLED,) for status in OPEN}
NEEDS_REASON = (S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED)
UNANSWERED_AFTER = timedelta(days=2)


class ReferralRefused(Exception):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def referral_create(*, actor: Any, participant: Any, service: Service, reason: str, idempotency_key: str,
                    goal: Any = None) -> ServiceReferral:  # fmt: skip
    if service.status != Service.Status.ACTIVE:
        raise ReferralRefused("service", _("This service is not taking referrals now (%(status)s).")
                              % {"status": service.get_status_display()})  # fmt: skip
    now = clock.now()
    try:
        with transaction.atomic():
            referral = ServiceReferral.objects.create(
                participant=participant, service=service, organization=service.organization, goal=goal,
                reason=reason, requested_by=actor, requested_at=now, updated_at=now,
                idempotency_key=idempotency_key,
            )  # fmt: skip
            ServiceReferralEvent.objects.create(referral=referral, status=S.REQUESTED, by=actor, at=now)
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, subject_type="service_referral",
                         subject_id=referral.pk, participant_id=participant.pk)  # fmt: skip
    except IntegrityError:  # the same form sent twice: the first made it
        return ServiceReferral.objects.get(requested_by=actor, idempotency_key=idempotency_key)
    return referral


def answers_as_provider(user: Any) -> bool:
    """Provider staff (scope: their organisation) answer referrals; everyone else with the capability is the
    program, which makes and cancels them."""
    from leadline.accounts import policy
    from leadline.accounts.roles import Scope

    return policy.scope_of(user, "service_referral.view") == Scope.ORGANISATION


def history_for(user: Any, referral: ServiceReferral) -> tuple[list[dict[str, Any]], str]:
    """The steps of a referral and its current reason as ``user`` may read them. What the program wrote (a
    cancel reason) is about the person: a provider sees the steps and dates, and only the reasons and
    outcome its own staff wrote."""
    provider = answers_as_provider(user)
    events = [
        {"at": e.at, "label": e.get_status_display(),
         "reason": e.reason if not provider or answers_as_provider(e.by) else ""}
        for e in referral.events.all()
    ]  # fmt: skip
    hidden = provider and referral.status == S.CANCELLED
    return events, "" if hidden else referral.status_reason


def referral_move(*, actor: Any, referral_id: int, to: str, version: int, reason: str = "",
                  outcome: str = "") -> ServiceReferral:  # fmt: skip
    now = clock.now()
    with transaction.atomic():
        referral = ServiceReferral.objects.select_for_update(of=("self",)).get(pk=referral_id)
        if referral.version != version:
            raise StaleEdit()
        as_provider = answers_as_provider(actor)
        moves = PROVIDER_MOVES if as_provider else PROGRAM_MOVES
        if to not in moves.get(referral.status, ()):
            raise ReferralRefused("status", _("A referral that is %(now)s cannot become %(to)s.")
                                  % {"now": referral.get_status_display(), "to": S(to).label})  # fmt: skip
        if to in NEEDS_REASON and not reason.strip():
            raise ReferralRefused("reason", _("Say why: the case manager and the participant need to know."))
        if to == S.COMPLETED and not outcome.strip():
            raise ReferralRefused("outcome", _("Record the outcome: what the participant got."))
        referral.status, referral.updated_at, referral.version = to, now, referral.version + 1
        referral.status_reason = reason.strip() if to in NEEDS_REASON else ""
        if to == S.COMPLETED:
            referral.outcome = outcome.strip()
        if as_provider and referral.answered_at is None:
            referral.answered_at = now
        referral.save()
        ServiceReferralEvent.objects.create(
            referral=referral,
            status=to,
            reason=(outcome if to == S.COMPLETED else reason).strip(),
            by=actor,
            at=now,
        )
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="service_referral",
                     subject_id=referral.pk, participant_id=referral.participant_id,
                     changes={"status": to})  # fmt: skip
    return referral


def referral_reminders_send() -> int:
    """Referrals sent more than two days ago and still unanswered: one email to the organisation's
    provider staff (the reference only, never the person), again every two days while unanswered."""
    from django.conf import settings
    from django.core.mail import send_mail

    from leadline.accounts.models import User
    from leadline.accounts.roles import Role

    now = clock.now()
    due = (
        ServiceReferral.objects.filter(status=S.REQUESTED, requested_at__lt=now - UNANSWERED_AFTER)
        .exclude(reminded_at__gte=now - UNANSWERED_AFTER)
        .select_related("organization", "service")
    )
    by_org: dict[Any, list[ServiceReferral]] = {}
    for referral in due.order_by("requested_at"):
        by_org.setdefault(referral.organization, []).append(referral)
    sent = 0
    for org, referrals in by_org.items():
        staff = User.objects.filter(is_active=True, role=Role.PROVIDER_STAFF.value, agency_id=org.agency_id)
        to = [u.email for u in staff if u.email and org.agency_id]
        if not to:  # nobody at the organisation answers in Leadline: the program must follow it up
            to = [u.email for u in User.objects.filter(is_active=True, role=Role.SITE_ADMIN.value) if u.email]
        if to:
            lines = "\n".join(
                f"- {r.reference} · {r.service.name} · {clock.local_date(r.requested_at)}" for r in referrals
            )
            send_mail(_("Referrals waiting for your answer: %(org)s") % {"org": org.name},
                      _("These referrals to %(org)s are waiting for an answer. Please sign in to Leadline to "
                        "accept or decline them:\n\n%(lines)s\n") % {"org": org.name, "lines": lines},
                      settings.DEFAULT_FROM_EMAIL, to)  # fmt: skip
            sent += 1
        ServiceReferral.objects.filter(pk__in=[r.pk for r in referrals]).update(reminded_at=now)
    return sent

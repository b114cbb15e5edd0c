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

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.policy import users_with_capability
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.directory.models import Service, ServiceReferral, ServiceReferralEvent
from leadline.notifications.models import Delivery, Notification
from leadline.notifications.services import notify, queue_to_address, work_done
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
# Who answers an organisation's referrals in Leadline: its people holding the capability (provider staff).
ANSWERS = "service_referral.edit"


K = Notification.Kind


def referral_key(referral: ServiceReferral | int) -> str:
    """The work a service referral is (core.inbox): for the provider's staff, answering it; for the case
    manager who sent it, reading the answer. One key; each side's notifications are of its own kind."""
    return f"service_referral:{getattr(referral, 'pk', referral)}"


def provider_staff(organization: Any) -> list[User]:
    """The people who answer the organisation's referrals in Leadline (none: it answers by email, or the
    program follows it up)."""
    if organization.agency_id is None:
        return []
    return list(users_with_capability(ANSWERS, scope=Scope.ORGANISATION, agency_id=organization.agency_id))


def _url(referral: ServiceReferral) -> str:
    return reverse("directory:referral", args=[referral.pk])


class ReferralRefused(refusals.Refused):
    """A service referral write refused, naming the field (None: the form as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message, field or "")


def referral_create(*, actor: User, participant: Any, service: Service, reason: str, idempotency_key: str,
                    goal: Any = None) -> ServiceReferral:  # fmt: skip
    if service.status != Service.Status.ACTIVE:
        raise ReferralRefused("service", _("This service is not taking referrals now (%(status)s).")
                              % {"status": service.get_status_display()})  # fmt: skip
    now = clock.now()
    try:
        with transaction.atomic(durable=True):
            referral = ServiceReferral.objects.create(
                participant=participant, service=service, organization=service.organization, goal=goal,
                reason=reason, requested_by=actor, requested_at=now, updated_at=now,
                idempotency_key=idempotency_key,
            )  # fmt: skip
            ServiceReferralEvent.objects.create(referral=referral, status=S.REQUESTED, by=actor, at=now)
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, subject_type="service_referral",
                         subject_id=referral.pk, participant_id=participant.pk)  # fmt: skip
            # The provider's staff: a referral to answer (the fixed sentence; who it is for, in Leadline).
            notify(provider_staff(service.organization), kind=K.SERVICE_REFERRAL, url=_url(referral),
                   work_key=referral_key(referral))  # fmt: skip
            if answers_by_email(service.organization):  # nobody signs in for them: the link goes by email
                transaction.on_commit(lambda: answer_link_send_safely(referral.pk))
    except IntegrityError:  # the same form sent twice: the first made it
        return ServiceReferral.objects.get(requested_by=actor, idempotency_key=idempotency_key)
    return referral


def answers_as_provider(user: User | None) -> bool:
    """Provider staff (scope: their organisation) answer referrals; everyone else with the capability is the
    program, which makes and cancels them."""

    return policy.scope_of(user, "service_referral.view") == Scope.ORGANISATION


def history_for(
    user: User | None, referral: ServiceReferral, *, by_link: bool = False
) -> tuple[list[dict[str, Any]], str]:
    """The steps of a referral and its current reason as ``user`` (or whoever holds the emailed link) may
    read them. What the program wrote (a cancel reason) is about the person: a provider sees the steps and
    dates, and only the reasons and outcome the provider's side wrote."""
    provider = by_link or answers_as_provider(user)
    events = [
        {"at": e.at, "label": e.get_status_display(),
         "reason": e.reason if not provider or e.by_link or answers_as_provider(e.by) else ""}
        for e in referral.events.all()
    ]  # fmt: skip
    hidden = provider and referral.status == S.CANCELLED
    return events, "" if hidden else referral.status_reason


def referral_move(*, actor: User, referral_id: int, to: str, version: int, reason: str = "",
                  outcome: str = "") -> ServiceReferral:  # fmt: skip
    """A signed-in user moves a referral: provider staff answer, the program cancels."""
    return _move(actor=actor, as_provider=answers_as_provider(actor), referral_id=referral_id, to=to,
                 version=version, reason=reason, outcome=outcome)  # fmt: skip


def referral_answer_by_link(*, token: str, to: str, version: int, reason: str = "",
                            outcome: str = "") -> ServiceReferral:  # fmt: skip
    """Whoever holds a valid emailed link answers for the provider, as provider staff would. The link is
    checked again under the referral's lock: an answer racing the program's new link is refused."""
    referral, _expired = referral_by_link(token)
    if referral is None:
        raise ReferralRefused(None, str(LINK_GONE))
    return _move(actor=None, as_provider=True, referral_id=referral.pk, to=to, version=version,
                 reason=reason, outcome=outcome, link_nonce=referral.link_nonce)  # fmt: skip


LINK_GONE = gettext_lazy("This link no longer works. Ask the LEAD program for a new one.")


def _move(*, actor: User | None, as_provider: bool, referral_id: int, to: str, version: int, reason: str,
          outcome: str, link_nonce: str | None = None) -> ServiceReferral:  # fmt: skip
    now = clock.now()
    with transaction.atomic():
        referral = (
            ServiceReferral.objects.select_for_update(of=("self",)).select_related("organization")
            .get(pk=referral_id)
        )  # fmt: skip
        if link_nonce is not None and not (referral.link_nonce and referral.link_nonce == link_nonce):
            raise ReferralRefused(None, str(LINK_GONE))
        if referral.version != version:
            raise StaleEdit()
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
        if as_provider:
            referral.answer_seen_at = None  # the sender has an answer to read
        referral.save()
        ServiceReferralEvent.objects.create(
            referral=referral,
            status=to,
            reason=(outcome if to == S.COMPLETED else reason).strip(),
            by=actor,
            by_link=actor is None,
            at=now,
        )
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="service_referral",
                     subject_id=referral.pk, participant_id=referral.participant_id,
                     changes={"status": to}, username=link_username(referral))  # fmt: skip
        _tell_move(actor=actor, referral=referral, as_provider=as_provider)
    return referral


def _tell_move(*, actor: User | None, referral: ServiceReferral, as_provider: bool) -> None:
    """Both sides hear of every move, never the one who made it. The provider's "to answer" is done once it
    has moved on from "sent" (answered, or cancelled by the program); the sender is told of each answer;
    the provider's staff of a cancellation."""
    key = referral_key(referral)
    work_done(work_key=key, kinds=[K.SERVICE_REFERRAL])
    told: list[Any] = [referral.requested_by]
    if not as_provider:
        told += provider_staff(referral.organization)
    told = [u for u in told if u.pk != getattr(actor, "pk", None)]
    notify(told, kind=K.SERVICE_REFERRAL_UPDATE, url=_url(referral), work_key=key)


def referral_answer_seen(*, user: User, referral: ServiceReferral) -> bool:
    """The case manager who sent the referral opened it: the provider's latest answer is seen (it leaves
    their inbox) and their notifications about it are done. Anyone else opening it changes nothing.
    Returns whether anything changed."""
    if referral.requested_by_id != user.pk:
        return False
    with transaction.atomic(durable=True):
        seen = ServiceReferral.objects.filter(
            pk=referral.pk, answered_at__isnull=False, answer_seen_at__isnull=True
        ).update(answer_seen_at=clock.now())
        done = work_done(work_key=referral_key(referral), user=user, kinds=[K.SERVICE_REFERRAL_UPDATE])
    return bool(seen or done)


# The emailed answer link -------------------------------------------------------------------------------
LINK_SALT = "leadline.directory.referral-answer"


def answers_by_email(organization: Any) -> bool:
    """An organisation with an email address and nobody who signs in to Leadline for it answers its
    referrals by the signed link emailed to that address."""
    return bool(organization.email) and not has_staff(organization)


def has_staff(organization: Any) -> bool:
    """Someone signs in to Leadline for the organisation and answers its referrals there."""
    staff = users_with_capability(ANSWERS, scope=Scope.ORGANISATION, agency_id=organization.agency_id)
    return organization.agency_id is not None and staff.exists()


def link_username(referral: ServiceReferral) -> str:
    """Who the audit trail names for an answer by link: the address the link was sent to."""
    return f"answer link · {referral.link_email or referral.organization.email}"[:150]


def link_nonce_ensure(referral: ServiceReferral, *, renew: bool = False) -> ServiceReferral:
    """The referral's link, drawn anew when asked, when there is none, or when the organisation's address
    has changed since the last one went out (the old address's links end)."""
    email = referral.organization.email
    if renew or not referral.link_nonce or referral.link_email != email:
        referral.link_nonce, referral.link_email = get_random_string(32), email
        referral.save(update_fields=["link_nonce", "link_email"])
    return referral


def link_end(*, actor: User, referral: ServiceReferral) -> None:
    """The program ends every link of a referral (one went to the wrong person, say), in any state."""
    ServiceReferral.objects.filter(pk=referral.pk).update(link_nonce="")
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="service_referral",
                 subject_id=referral.pk, changes={"answer_link": "ended"})  # fmt: skip


def answer_token(referral: ServiceReferral) -> str:
    """The signed, dated token of the referral's current link (its nonce must be set)."""
    assert referral.link_nonce, "no answer link was issued for this referral"
    return signing.dumps([referral.pk, referral.link_nonce], salt=LINK_SALT)


def answer_link(referral: ServiceReferral) -> str:
    return settings.LEADLINE_PUBLIC_URL + reverse("directory:answer", args=[answer_token(referral)])


def referral_by_link(token: str) -> tuple[ServiceReferral | None, bool]:
    """(the referral, False) for a good link; (None, True) for a genuine one that has expired; (None,
    False) for anything else: forged, altered, ended by a newer link or by the program, sent to an address
    the organisation no longer has, or for an organisation that now answers in Leadline."""
    try:
        pk, nonce = signing.loads(
            token, salt=LINK_SALT, max_age=timedelta(days=settings.LEADLINE_ANSWER_LINK_DAYS)
        )
    except signing.SignatureExpired:
        return None, True
    except (signing.BadSignature, ValueError, TypeError):
        return None, False
    referral = (
        ServiceReferral.objects.select_related("service", "organization", "requested_by")
        .filter(pk=pk if isinstance(pk, int) else -1).first()
    )  # fmt: skip
    if (
        referral is None
        or not referral.link_nonce
        or not constant_time_compare(referral.link_nonce, str(nonce))
        or referral.link_email != referral.organization.email
        or not answers_by_email(referral.organization)
    ):
        return None, False
    return referral, False


def answer_link_send(
    referral_id: int, *, renew: bool = False, reminder: bool = False, actor: User | None = None
) -> bool:
    """Email the organisation the link to answer a referral: the reference, the service and who to call at
    the program — never the person. ``renew`` ends every earlier link (the program sends a new one).
    Queued: the notifications' worker task sends it after the commit, and retries it."""

    referral = ServiceReferral.objects.select_related("service", "organization", "requested_by").get(
        pk=referral_id
    )
    org = referral.organization
    if not org.email:
        return False
    link_nonce_ensure(referral, renew=renew)
    contact = referral.requested_by
    subject = (_("Waiting for your answer: referral %(ref)s to %(service)s") if reminder
               else _("Referral %(ref)s to %(service)s"))  # fmt: skip
    queue_to_address(
        kind=Delivery.Kind.ANSWER_LINK, channel=Delivery.Channel.EMAIL, to=org.email,
        subject=subject % {"ref": referral.reference, "service": referral.service.name},
        body=_("The LEAD program has referred someone to %(service)s (%(org)s), reference %(ref)s, sent "
          "%(date)s.\n\nOpen this link to accept or decline it and to keep it up to date. It works "
          "without signing in, for %(days)s days; please do not forward it:\n\n%(link)s\n\n"
          "The case manager, %(name)s (%(email)s), will introduce the person.\n")
        % {"service": referral.service.name, "org": org.name, "ref": referral.reference,
           "date": clock.local_date(referral.requested_at), "days": settings.LEADLINE_ANSWER_LINK_DAYS,
           "link": answer_link(referral), "name": contact.get_full_name() or contact.get_username(),
           "email": contact.email or settings.DEFAULT_FROM_EMAIL},
    )  # fmt: skip
    ServiceReferral.objects.filter(pk=referral.pk).update(link_sent_at=clock.now())
    what = "renewed" if renew else "reminder" if reminder else "sent"
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="service_referral",
                 subject_id=referral.pk, changes={"answer_link": what, "to": org.email},
                 username="" if actor is not None else "leadline")  # fmt: skip
    return True


def answer_link_send_safely(referral_id: int, **kwargs: Any) -> bool:
    """answer_link_send, but a mail server that fails is logged, not raised: the referral is made (the
    case manager must not see an error for it), and the next reminder sends the link again."""
    import logging

    try:
        return answer_link_send(referral_id, **kwargs)
    except Exception:  # any mail failure: logged with its traceback; the reminder sends it again
        logging.getLogger(__name__).exception("answer link for service referral %s not sent", referral_id)
        return False


def referral_reminders_send() -> int:
    """Referrals sent more than two days ago and still unanswered: one email to the organisation's
    provider staff (the reference only, never the person), again every two days while unanswered; an
    organisation that answers by email gets each referral's link again."""

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
        if answers_by_email(org):  # each link again, freshly dated (the same nonce: earlier links still work)
            done = [r.pk for r in referrals if answer_link_send_safely(r.pk, reminder=True)]
            sent += len(done)
            ServiceReferral.objects.filter(pk__in=done).update(reminded_at=now)  # failures: next run
            continue
        staff = users_with_capability(ANSWERS, scope=Scope.ORGANISATION, agency_id=org.agency_id)
        to = [u.email for u in staff if u.email and org.agency_id]
        if not to:  # nobody at the organisation answers in Leadline: the program must follow it up
            to = [u.email for u in users_with_capability("user_account.edit") if u.email]  # site admins
        if to:
            lines = "\n".join(
                f"- {r.reference} · {r.service.name} · {clock.local_date(r.requested_at)}" for r in referrals
            )
            for address in to:  # one email each, queued for the worker task
                queue_to_address(
                    kind=Delivery.Kind.ORGANISATION_REMINDER, channel=Delivery.Channel.EMAIL, to=address,
                    subject=_("Referrals waiting for your answer: %(org)s") % {"org": org.name},
                    body=_("These referrals to %(org)s are waiting for an answer. Please sign in to Leadline "
                           "to accept or decline them:\n\n%(lines)s\n") % {"org": org.name, "lines": lines},
                )  # fmt: skip
            sent += 1
        ServiceReferral.objects.filter(pk__in=[r.pk for r in referrals]).update(reminded_at=now)
    return sent

"""The LEAD number as a real phone line: an officer texts or calls it from a registered phone and the
same hand-off request is raised as by the button in the app (issue #3, decision 0008).

The phone provider (or a small adapter in front of it) POSTs each inbound text or call to
/hooks/lead-line/, signed with a shared secret: HMAC-SHA256 over "<timestamp>.<raw body>", sent as
``X-Leadline-Timestamp`` and ``X-Leadline-Signature: sha256=<hex>``. Requests older or newer than the
allowed skew are refused, so a captured request cannot be replayed later; the provider's message id
is unique, so a retried delivery raises one request.

A request raised by phone has no referral yet. The officer links their referral from the app when it
is submitted; the case manager cannot complete the hand-off before that, because the referral is
where eligibility is decided and the participant is matched.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.referrals.models import Handoff, Referral
from leadline.referrals.policy import handoff_access
from leadline.referrals.services.handoffs import (
    HandoffRefused,
    handoff_pages_done,
    handoff_raise,
    handoff_tell,
)
from leadline.sites.selectors import site_get

SIGNATURE_PREFIX = "sha256="
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"sha256=[0-9a-f]{64}")
SAME_REQUEST_MINUTES = 10  # a second text from the same officer within this is the same request
OPEN = (Handoff.Status.REQUESTED, Handoff.Status.ACKNOWLEDGED, Handoff.Status.ARRIVED)


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signature_valid(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: datetime, max_skew_seconds: int
) -> bool:
    """True when the signature is the secret's over this body and the timestamp is recent."""
    # Headers are attacker-controlled: accept only ASCII digits and hex before any arithmetic or
    # comparison, so odd input is a refusal (403), never an exception (500).
    if not secret or not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        return False
    if abs(now.timestamp() - int(timestamp)) > max_skew_seconds:
        return False
    return hmac.compare_digest(signature_for(secret, timestamp, body).encode(), signature.encode())


def normalise_phone(raw: str) -> str:
    """Digits only, without the North American trunk prefix: '+1 (585) 555-0123' -> '5855550123'."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def masked(phone: str) -> str:
    digits = normalise_phone(phone)
    return "•" * max(len(digits) - 4, 0) + digits[-4:]


def officer_for_phone(phone: str) -> User | None:
    """The one active account registered with this phone that may call the LEAD line from the street.
    Two accounts sharing a number is ambiguous, so neither is chosen."""
    wanted = normalise_phone(phone)
    if len(wanted) < 7:
        return None
    matches = [
        user
        for user in User.objects.filter(is_active=True).exclude(phone="")
        if normalise_phone(user.phone) == wanted
        and policy.is_law_enforcement(user)
        and policy.can(user, "handoff.edit")
    ]
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class LineAnswer:
    handoff: Handoff | None
    reply: str  # what the provider texts back or speaks
    created: bool = False


def handoff_request_by_phone(*, channel: str, from_phone: str, text: str, message_id: str) -> LineAnswer:
    """Raise (or find again) the hand-off request of an officer who texted or called the LEAD number."""
    if channel not in (Handoff.Channel.SMS, Handoff.Channel.VOICE):
        raise ValueError(channel)
    officer = officer_for_phone(from_phone)
    if officer is None:
        audit_record(
            actor=None, action=AuditEvent.Action.DENIED, subject_type="lead_line",
            reason="call from a phone not registered to an officer", changes={"from": masked(from_phone)},
        )  # fmt: skip
        return LineAnswer(None, _("This phone is not registered for the LEAD line. Use the Leadline app."))
    provider_id = f"{channel}:{message_id[:90]}" if message_id else None  # SMS and call ids apart
    with translation.override(officer.preferred_language or "en"):
        try:
            with transaction.atomic(durable=True):
                # One officer's deliveries are handled one at a time (a text and a call at the same
                # moment, or a provider retry racing the first delivery): check-then-create stays one.
                User.objects.select_for_update().filter(pk=officer.pk).first()
                existing = _same_request(officer, provider_id)
                if existing is not None:
                    return LineAnswer(existing, _reply(existing))
                site = site_get()
                handoff = handoff_raise(
                    actor=officer, referral=None, callback_phone=from_phone[:40], now=clock.now(),
                    ack_minutes=site.handoff_ack_minutes if site else 5, channel=channel,
                    message=_clean(text), provider_message_id=provider_id,
                )  # fmt: skip
        except IntegrityError:
            # The id is taken by another officer's request (a provider reusing ids): say nothing of it.
            return LineAnswer(None, _("The LEAD line could not take this message. Use the Leadline app."))
        return LineAnswer(handoff, _reply(handoff), created=True)


def _same_request(officer: User, provider_id: str | None) -> Handoff | None:
    if provider_id:
        retried = Handoff.objects.filter(provider_message_id=provider_id, requested_by=officer).first()
        if retried is not None:
            return retried
    since = clock.now() - timedelta(minutes=SAME_REQUEST_MINUTES)
    return (
        Handoff.objects.filter(
            requested_by=officer, referral__isnull=True, status__in=OPEN, requested_at__gte=since
        )
        .order_by("-requested_at")
        .first()
    )


def _clean(text: str) -> str:
    """The officer's words without the keyword they may have typed first ("LEAD 5th and Main")."""
    text = " ".join((text or "").split())
    return re.sub(r"^lead\b[\s:,.-]*", "", text, flags=re.IGNORECASE)[:300]


def _reply(handoff: Handoff) -> str:
    if handoff.status == Handoff.Status.REQUESTED:
        return _(
            "LEAD line: request #%(n)s is raised and the on-call case manager is being paged. "
            "They will call you back on this number. Link your referral in the Leadline app."
        ) % {"n": handoff.pk}
    return _("LEAD line: request #%(n)s is already under way: %(status)s.") % {
        "n": handoff.pk,
        "status": handoff.get_status_display(),
    }


def handoff_link(*, actor: User, handoff: Handoff, referral: Referral) -> Handoff:
    """Attach the officer's eligible referral to the request they raised by phone."""
    if handoff.requested_by_id != getattr(actor, "pk", None) or referral.referred_by_id != actor.pk:
        raise HandoffRefused("Only the officer who called links their own referral.")
    if referral.status != Referral.Status.ELIGIBLE:
        raise HandoffRefused("Only an eligible referral can be handed off.")
    if handoff.status not in OPEN:
        raise HandoffRefused("This LEAD-line call is no longer open.")
    try:
        with transaction.atomic(durable=True):
            linked = Handoff.objects.filter(pk=handoff.pk, referral__isnull=True, status__in=OPEN).update(
                referral=referral
            )
            if linked != 1:
                raise HandoffRefused("This LEAD-line call already has a referral, or is no longer open.")
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, subject_type="handoff", subject_id=handoff.pk,
                changes={"referral": {"before": None, "after": referral.pk}},
            )  # fmt: skip
    except IntegrityError as exc:
        # The referral already has a live hand-off of its own (one live hand-off per referral).
        raise HandoffRefused("This referral already has a LEAD-line request.") from exc
    handoff.refresh_from_db()
    return handoff


def handoff_cancel(*, actor: User, handoff: Handoff, reason: str) -> Handoff:
    """Call off a request that is not handed off yet: the person walked away, or was not eligible."""
    reason = reason.strip()
    if not handoff_access(actor, handoff).may_cancel:
        raise HandoffRefused("Only the officer who called, or the case-management side, cancels.")
    if len(reason) < 3:
        raise HandoffRefused("Reason: say in a few words why the request is cancelled.")
    with transaction.atomic(durable=True):
        updated = Handoff.objects.filter(pk=handoff.pk, status__in=OPEN).update(
            status=Handoff.Status.CANCELLED
        )
        if updated != 1:
            raise HandoffRefused("This hand-off has already moved on; the page shows where it is now.")
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="handoff", subject_id=handoff.pk,
            reason=reason[:500], changes={"status": {"before": handoff.status, "after": "cancelled"}},
        )  # fmt: skip
        handoff.refresh_from_db()
        handoff_pages_done(handoff)  # nothing left to answer
        handoff_tell(actor=actor, handoff=handoff)  # the officer, or the case side that was on its way
    handoff.refresh_from_db()
    return handoff

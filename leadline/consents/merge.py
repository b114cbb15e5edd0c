"""What happens to a participant's consents, disclosures and requests when the participant is merged
into another (participants.services.participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents.models import AccountingRequest, Consent, Disclosure, DisclosureRestriction
from leadline.consents.selectors import consent_revocable
from leadline.core import clock
from leadline.participants.models import Participant

KEY = ("kind", "recipient_kind", "recipient_agency_id")


def participant_merged(*, actor: User, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """A duplicate was merged (participants.services.participant_merge, inside its transaction): the
    consents and disclosures move to the survivor. A revocation on either record is the person's word
    about that kind of disclosure to that recipient: an open consent of the same kind and recipient on
    the other record, given before it, ends as revoked rather than coming back in force
    (_superseded_end). An open consent of the duplicate still open then stays with it where the survivor
    has an open one of the same kind and recipient (one may be open; the survivor's is the one in force,
    the duplicate's is still on its record)."""
    superseded = _superseded_end(actor, survivor, duplicate)
    open_keys = set(Consent.objects.filter(participant=survivor, ended_at__isnull=True).values_list(*KEY))
    dup_open = Consent.objects.filter(participant=duplicate, ended_at__isnull=True).values_list("pk", *KEY)
    stay = [pk for pk, *k in dup_open if tuple(k) in open_keys]
    moved = {
        "consents": Consent.objects.filter(participant=duplicate)
        .exclude(pk__in=stay)
        .update(participant=survivor),
        "consents_superseded": superseded,
    }
    moved["disclosures"] = Disclosure.objects.filter(participant=duplicate).update(participant=survivor)
    # The person's requests and restrictions are theirs whichever record holds them: an accounting asked
    # on the duplicate is answered from the survivor (which now holds the disclosures), and a restriction
    # agreed on the duplicate keeps binding the decision point (it can only narrow what goes out).
    moved["accounting_requests"] = AccountingRequest.objects.filter(participant=duplicate).update(
        participant=survivor
    )
    moved["disclosure_restrictions"] = DisclosureRestriction.objects.filter(participant=duplicate).update(
        participant=survivor
    )
    return moved


def _superseded_end(actor: User, survivor: Participant, duplicate: Participant) -> int:
    """End every open consent of either record that a revocation on the other record, made after it was
    given, took back: the person said no to that kind of disclosure to that recipient after saying yes,
    so the merge must not put the yes back in force. It ends as revoked (now, by the person who merges,
    with a note naming the revocation and an audit row); a consent still irrevocable today is not
    revocable and stays. Returns how many ended."""
    pair = (survivor.pk, duplicate.pk)
    rows = list(Consent.objects.select_for_update().filter(participant_id__in=pair))
    revocations: dict[tuple[int, tuple[Any, ...]], Consent] = {}
    for c in rows:
        if c.revoked_at is None:
            continue
        at = (c.participant_id, tuple(getattr(c, f) for f in KEY))
        if at not in revocations or c.revoked_at > revocations[at].revoked_at:  # type: ignore[operator]
            revocations[at] = c
    now, today, ended = clock.now(), clock.today(), 0
    for c in rows:
        other = pair[1] if c.participant_id == pair[0] else pair[0]
        revocation = revocations.get((other, tuple(getattr(c, f) for f in KEY)))
        if c.ended_at is not None or revocation is None or revocation.revoked_at <= c.given_at:  # type: ignore[operator]
            continue
        if not consent_revocable(c, today):
            continue
        c.ended_at, c.end_reason = now, Consent.EndReason.REVOKED
        c.revoked_at, c.revoked_by, c.revocation_method = now, actor, revocation.revocation_method
        c.revocation_note = _(
            "Superseded by a revocation on the merged record (consent #%(number)s, revoked %(date)s)."
        ) % {
            "number": revocation.pk,
            "date": formats.date_format(timezone.localtime(revocation.revoked_at), "Y-m-d"),
        }
        c.save(update_fields=["ended_at", "end_reason", "revoked_at", "revoked_by", "revocation_method",
                              "revocation_note"])  # fmt: skip
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="consent", subject_id=c.pk,
            participant_id=c.participant_id, reason="participant merge",
            changes={"revoked": True, "superseded_by_revocation_of": revocation.pk,
                     "duplicate_participant": duplicate.pk},
        )  # fmt: skip
        ended += 1
    return ended

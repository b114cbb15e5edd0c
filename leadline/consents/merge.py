"""What happens to a participant's consents, disclosures and requests when the participant is merged
into another (participants.services.participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from typing import Any

from leadline.consents.models import AccountingRequest, Consent, Disclosure, DisclosureRestriction
from leadline.participants.models import Participant


def participant_merged(*, actor: Any, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """A duplicate was merged (participants.services.participant_merge, inside its transaction): the
    consents and disclosures move to the survivor. An open consent of the duplicate stays
    with it where the survivor has an open one of the same kind and recipient (one may be open; the
    survivor's is the one in force, the duplicate's is still on its record)."""
    key = ("kind", "recipient_kind", "recipient_agency_id")
    open_keys = set(Consent.objects.filter(participant=survivor, ended_at__isnull=True).values_list(*key))
    dup_open = Consent.objects.filter(participant=duplicate, ended_at__isnull=True).values_list("pk", *key)
    stay = [pk for pk, *k in dup_open if tuple(k) in open_keys]
    moved = {
        "consents": Consent.objects.filter(participant=duplicate)
        .exclude(pk__in=stay)
        .update(participant=survivor)
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

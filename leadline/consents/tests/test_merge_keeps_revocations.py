"""A merge never brings back a consent the person revoked (issue #15 review; decision 0029).

The person's latest word on a kind of disclosure to a recipient stands after a merge: an opt-in held on
one record and revoked, later, on the other is ended (as revoked, with a note and an audit row), not
moved into force; an opt-in given after the revocation is the person's latest word and moves in force."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from leadline.audit.models import AuditEvent
from leadline.consents.models import Consent
from leadline.consents.policy import Info, may_disclose
from leadline.consents.services import consent_record, consent_revoke
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory
from leadline.participants import services
from leadline.referrals.models import Referral

REASON = "Same person: same date of birth and photo"


def _officer_told(world) -> bool:
    answer = may_disclose(recipient=world["officer"], participant_ids=[world.mine.pk], info=Info.ENGAGEMENT)
    return answer.allowed(world.mine.pk)


def _revoke_survivors(world):
    consent_revoke(
        actor=world["case_manager"], consent=world.consent, note="Told me: stop telling the police"
    )


def _merge(world, dup):
    services.participant_merge(
        actor=world["program_manager"], duplicate=dup, survivor=world.mine, reason=REASON
    )


def _setup(world):
    Referral.objects.filter(pk=world.eligible.pk).update(participant=world.mine)
    dup = ParticipantFactory.create(case_manager=world["case_manager"])
    return dup


def test_an_opt_in_revoked_on_the_survivor_is_not_revived_by_the_duplicates_older_one(world):
    dup = _setup(world)
    with time_machine.travel(clock.now() - timedelta(days=60), tick=False):
        old, _created = consent_record(
            actor=world["case_manager"], participant=dup, kind="officer_feedback", method="verbal"
        )
    assert _officer_told(world)
    consent_revoke(
        actor=world["case_manager"], consent=world.consent, note="Told me: stop telling the police"
    )
    assert not _officer_told(world)
    services.participant_merge(
        actor=world["program_manager"], duplicate=dup, survivor=world.mine, reason=REASON
    )
    assert not _officer_told(world)
    old.refresh_from_db()
    assert old.participant_id == world.mine.pk  # nothing left on the duplicate
    assert old.ended_at is not None and old.end_reason == Consent.EndReason.REVOKED
    assert old.revoked_at is not None and "superseded by a revocation on the merged record" in (
        old.revocation_note.lower()
    )
    assert f"#{world.consent.pk}" in old.revocation_note
    audit = AuditEvent.objects.get(subject_type="consent", subject_id=str(old.pk), reason="participant merge")
    assert audit.changes["superseded_by_revocation_of"] == world.consent.pk
    assert not Consent.objects.filter(participant=dup).exists()


def test_a_revocation_on_the_duplicate_ends_the_survivors_older_opt_in(world):
    dup = _setup(world)
    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        theirs, _created = consent_record(
            actor=world["case_manager"], participant=dup, kind="officer_feedback", method="verbal"
        )
        consent_revoke(actor=world["case_manager"], consent=theirs, note="Said: no more news to the officer")
    with time_machine.travel(clock.now() + timedelta(days=2), tick=False):
        assert _officer_told(world)  # the survivor's opt-in, not yet merged
        services.participant_merge(
            actor=world["program_manager"], duplicate=dup, survivor=world.mine, reason=REASON
        )
        assert not _officer_told(world)
    world.consent.refresh_from_db()
    assert world.consent.end_reason == Consent.EndReason.REVOKED and f"#{theirs.pk}" in (
        world.consent.revocation_note
    )


def test_an_opt_in_given_after_the_revocation_is_the_persons_latest_word_and_moves_in_force(world):
    dup = _setup(world)
    consent_revoke(
        actor=world["case_manager"], consent=world.consent, note="Told me: stop telling the police"
    )
    with time_machine.travel(clock.now() + timedelta(days=5), tick=False):
        later, _created = consent_record(
            actor=world["case_manager"], participant=dup, kind="officer_feedback", method="verbal"
        )
        services.participant_merge(
            actor=world["program_manager"], duplicate=dup, survivor=world.mine, reason=REASON
        )
        assert _officer_told(world)
    later.refresh_from_db()
    assert later.participant_id == world.mine.pk and later.ended_at is None

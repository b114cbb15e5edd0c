"""A sealing reaches every record after a merge (PRODUCT.md §4 rules 3 and 13, issue #15 review).

The retention purge leaves a sealed matter only the pseudonymous person key of the participant it was
about. When that participant is later merged as a duplicate, its threads move to the survivor; the
sealing must still hide what was said before it from the criminal-justice members, sealed-but-kept and
purged alike."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, make_referral
from leadline.legal.models import LegalMatter
from leadline.legal.services import matter_open, sealed_purge_due
from leadline.messaging import services as messaging
from leadline.messaging.models import ThreadMember
from leadline.messaging.policy import latest_sealing
from leadline.participants import services
from leadline.referrals.models import Referral
from leadline.sites.models import Site

MARKER = "MARKER-SEALED-INFRACTION"


def _sealed_duplicate(world, *, purged: bool):
    """A duplicate with a thread the prosecutor was on before its matter was sealed (and, if asked,
    purged), and a merge of it into ``world.mine`` (whose signed consent names the prosecutor's office)."""
    dup = ParticipantFactory.create(case_manager=world["case_manager"])
    referral = make_referral(world["officer"], given_name="Lola", family_name="Vega")
    Referral.objects.filter(pk=referral.pk).update(participant=dup)
    matter = matter_open(actor=world["case_manager"], referral=referral, participant=dup)
    thread, _created = messaging.thread_start(
        actor=world["program_manager"], participant=dup, subject="About the arrest",
        body=f"{MARKER} shoplifting", members=[world["case_manager"]], idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    # As if the prosecutor had been a member when it was written (the duplicate's own consent then).
    ThreadMember.objects.create(thread=thread, user=world["prosecutor"], joined_at=clock.now())
    for message in thread.messages.all():
        message.outside_readers.add(world["prosecutor"])
    sealed_at = clock.now() + timedelta(minutes=1)
    LegalMatter.objects.filter(pk=matter.pk).update(state=LegalMatter.State.CLEARED, sealed_at=sealed_at)
    if purged:
        days = Site.objects.get().sealed_retention_days
        with time_machine.travel(sealed_at + timedelta(days=days, minutes=1), tick=False):
            assert sealed_purge_due() == 1
        matter.refresh_from_db()
        assert matter.participant_id is None and matter.person_key
    assert dup.pk in latest_sealing([dup.pk])
    return dup, matter, thread


@pytest.mark.parametrize("purged", [False, True], ids=["sealed", "sealed-and-purged"])
def test_a_duplicates_sealing_still_hides_its_threads_after_a_merge(world, login, purged):
    dup, matter, thread = _sealed_duplicate(world, purged=purged)
    services.participant_merge(
        actor=world["program_manager"], duplicate=dup, survivor=world.mine,
        reason="Same person: same date of birth and photo",
    )  # fmt: skip
    sealed_at = LegalMatter.objects.get(pk=matter.pk).sealed_at
    assert sealed_at is not None and latest_sealing([world.mine.pk]) == {world.mine.pk: sealed_at}
    page = login(world["prosecutor"]).get(f"/messages/{thread.pk}/")
    assert page.status_code == 404 and MARKER.encode() not in page.content
    # The program still reads it.
    assert MARKER in login(world["case_manager"]).get(f"/messages/{thread.pk}/").content.decode()


def test_latest_sealing_counts_the_latest_of_the_survivors_and_its_duplicates_matters(world):
    """The survivor's own (later) sealing and an earlier purged duplicate's both count: the latest wins;
    a merge into a record not asked about reaches nobody else."""
    dup, matter, _thread = _sealed_duplicate(world, purged=True)
    services.participant_merge(
        actor=world["program_manager"], duplicate=dup, survivor=world.mine, reason="Same person",
    )  # fmt: skip
    dup_sealed = LegalMatter.objects.get(pk=matter.pk).sealed_at
    assert dup_sealed is not None
    later = dup_sealed + timedelta(days=3)
    LegalMatter.objects.filter(pk=world.matter.pk).update(sealed_at=later)
    assert latest_sealing([world.mine.pk, world.other.pk]) == {world.mine.pk: later}
    LegalMatter.objects.filter(pk=world.matter.pk).update(sealed_at=dup_sealed - timedelta(days=3))
    assert latest_sealing([world.mine.pk]) == {world.mine.pk: dup_sealed}
    assert latest_sealing([world.other.pk]) == {}

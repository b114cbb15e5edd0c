"""A completed hand-off of an arrest diversion opens its legal matter (the charge is held, the clock starts),
in the completion's transaction: referrals announces it (referrals.events), legal answers (legal.hooks), so
referrals imports nothing of legal (issue #16)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadline.core import clock
from leadline.demo.testing import make_referral
from leadline.legal.models import LegalMatter
from leadline.referrals import events, services
from leadline.referrals.models import Handoff, OnCallShift, Referral


def _arrived(world):
    now = clock.now()
    OnCallShift.objects.create(
        case_manager=world["case_manager"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    handoff, _ = services.handoff_request(
        actor=world["officer"], referral=make_referral(world["officer"], given_name="Quinn"),
        callback_phone="+15855550199",
    )  # fmt: skip
    services.handoff_acknowledge(actor=world["case_manager"], handoff=handoff, eta_minutes=5)
    services.handoff_arrive(actor=world["case_manager"], handoff=handoff)
    return handoff


def test_an_arrest_diversions_hand_off_opens_its_matter_once(world):
    handoff = _arrived(world)
    services.handoff_complete(actor=world["case_manager"], handoff=handoff)
    handoff.referral.refresh_from_db()
    matter = LegalMatter.objects.get(referral=handoff.referral)
    assert matter.participant == handoff.referral.participant and matter.state == LegalMatter.State.HELD
    assert matter.charges.count() == 1


def test_a_social_contact_opens_no_matter(world):
    handoff = _arrived(world)
    Referral.objects.filter(pk=handoff.referral_id).update(door=Referral.Door.SOCIAL_CONTACT)
    handoff.refresh_from_db()
    services.handoff_complete(actor=world["case_manager"], handoff=handoff)
    assert not LegalMatter.objects.filter(referral=handoff.referral).exists()


def test_the_matter_opens_in_the_completions_transaction(world, monkeypatch):
    """A subscriber after legal's fails: the matter legal opened, the participant and the completion are
    undone with it (one transaction), and the hand-off stays arrived."""

    def refuse(**kwargs):
        raise RuntimeError("a later subscriber refused")

    monkeypatch.setattr(events, "_handoff_completed", [*events._handoff_completed, refuse])
    handoff = _arrived(world)
    with pytest.raises(RuntimeError):
        services.handoff_complete(actor=world["case_manager"], handoff=handoff)
    handoff.refresh_from_db()
    assert handoff.status == Handoff.Status.ARRIVED
    assert handoff.referral.participant_id is None
    assert not LegalMatter.objects.filter(referral=handoff.referral).exists()

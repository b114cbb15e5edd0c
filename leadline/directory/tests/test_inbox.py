"""Service referrals in the "needs you" inbox (issue #17): each kind shows to the person whose work it is,
leaves by itself when the work is done, and is never shown outside its scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from leadline.accounts import policy
from leadline.accounts.models import Agency
from leadline.accounts.roles import Role
from leadline.core import clock
from leadline.core.inbox import source, sources_for
from leadline.demo.testing import UserFactory
from leadline.directory.referrals import referral_move

pytestmark = pytest.mark.django_db


def shown(kind: str, user) -> list:
    src = source(kind)
    if src not in sources_for(user, policy.can):
        return []
    items = src.items(user, 10)
    assert src.count(user) == len(items)  # the menu's count agrees with the list
    return items


@pytest.fixture
def gina(world):
    """Staff of another organisation."""
    agency = Agency.objects.create(name="Genesee Recovery", kind=Agency.Kind.SERVICE_PROVIDER)
    return UserFactory.create(username="gina", role=Role.PROVIDER_STAFF.value, agency=agency)


def test_inbox_leaves_when_done__service_referral_to_answer(world, gina):
    sref = world.sref  # Carmen's, to Pat's organisation, waiting for an answer
    [item] = shown("service_referral_to_answer", world["provider_staff"])
    assert item.work_key == f"service_referral:{sref.pk}" and item.url == f"/directory/referrals/{sref.pk}/"
    assert item.who == sref.reference and world.mine.family_name not in str(item.what)  # no disclosure here
    assert shown("service_referral_to_answer", gina) == []  # another organisation
    assert shown("service_referral_to_answer", world["case_manager"]) == []  # the sender answers nothing
    referral_move(actor=world["provider_staff"], referral_id=sref.pk, to="accepted", version=sref.version)
    assert shown("service_referral_to_answer", world["provider_staff"]) == []


def test_inbox_leaves_when_done__service_referral_answered(world, login):
    sref = world.sref
    assert shown("service_referral_answered", world["case_manager"]) == []  # no answer yet
    referral_move(
        actor=world["provider_staff"],
        referral_id=sref.pk,
        to="rejected",
        version=sref.version,
        reason="Full until March",
    )
    [item] = shown("service_referral_answered", world["case_manager"])
    assert item.who == world.mine.display_name and "Declined" in str(item.what)
    assert item.work_key == f"service_referral:{sref.pk}"
    for outsider in (world.casey, world["provider_staff"], world["officer"]):
        assert shown("service_referral_answered", outsider) == []
    login(world["program_manager"]).get(f"/directory/referrals/{sref.pk}/")  # someone else reading it
    assert len(shown("service_referral_answered", world["case_manager"])) == 1
    login(world["case_manager"]).get(f"/directory/referrals/{sref.pk}/")  # the sender reads the answer
    assert shown("service_referral_answered", world["case_manager"]) == []


def test_inbox_leaves_when_done__service_referral_unanswered(world):
    sref = world.sref
    assert shown("service_referral_unanswered", world["case_manager"]) == []  # sent today: not yet
    with time_machine.travel(clock.now() + timedelta(days=2, minutes=1), tick=False):
        [item] = shown("service_referral_unanswered", world["case_manager"])
        assert item.who == world.mine.display_name and item.work_key == f"service_referral:{sref.pk}"
        assert shown("service_referral_unanswered", world.casey) == []
        assert shown("service_referral_unanswered", world["provider_staff"]) == []
        referral_move(actor=world["provider_staff"], referral_id=sref.pk, to="accepted", version=sref.version)
        assert shown("service_referral_unanswered", world["case_manager"]) == []

"""Who may answer, cancel or clear a hand-off: one rule (referrals.policy.handoff_access) that the views,
the services and the templates all read, tested over every role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from leadline.accounts.roles import Role
from leadline.demo.testing import verified_client
from leadline.referrals import services
from leadline.referrals.models import Handoff
from leadline.referrals.policy import HandoffAccess, handoff_access

CASE_MANAGEMENT_SIDE = {Role.CASE_MANAGER, Role.PROGRAM_MANAGER}


def _user(role: Role, pk: int) -> SimpleNamespace:
    return SimpleNamespace(is_authenticated=True, is_active=True, role=role.value, pk=pk)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("raised_it", [True, False])
def test_every_role_answers_cancels_and_clears_as_the_rule_says(role, raised_it):
    handoff = Handoff(requested_by_id=7)
    user = _user(role, pk=7 if raised_it else 8)
    side = role in CASE_MANAGEMENT_SIDE
    assert handoff_access(user, handoff) == HandoffAccess(
        may_answer=side, may_cancel=side or raised_it, may_clear=side or raised_it, raised_it=raised_it
    )


def test_nobody_signed_out_or_without_a_role_may_do_anything():
    handoff = Handoff(requested_by_id=7)
    for user in (
        SimpleNamespace(is_authenticated=False, is_active=True, role="officer", pk=7),
        SimpleNamespace(is_authenticated=True, is_active=False, role="officer", pk=7),
        SimpleNamespace(is_authenticated=True, is_active=True, role="", pk=7),
    ):
        assert handoff_access(user, handoff) == HandoffAccess(False, False, False, False)


def test_a_phone_request_nobody_raised_is_cleared_only_by_the_case_management_side():
    handoff = Handoff()  # requested_by_id left unset, so None: nobody raised it
    assert not handoff_access(SimpleNamespace(is_authenticated=True, is_active=True, role="officer", pk=None),
                              handoff).may_clear  # fmt: skip


def test_another_officer_may_not_clear_a_hand_off_they_did_not_raise(world):
    """The service's copy once let anyone holding handoff.edit clear: every patrol officer."""
    handoff = world.handoff
    for step in (services.handoff_acknowledge, services.handoff_arrive):
        kwargs = {"eta_minutes": 5} if step is services.handoff_acknowledge else {}
        step(actor=world["case_manager"], handoff=handoff, **kwargs)
    Handoff.objects.filter(pk=handoff.pk).update(status=Handoff.Status.HANDED_OFF)
    otto = type(world["officer"]).objects.get(username="otto")
    with pytest.raises(services.HandoffRefused):
        services.handoff_clear(actor=otto, handoff=handoff)
    with pytest.raises(services.HandoffRefused):
        services.handoff_cancel(actor=otto, handoff=handoff, reason="not mine to cancel")
    services.handoff_clear(actor=world["officer"], handoff=handoff)
    handoff.refresh_from_db()
    assert handoff.officer_cleared_at is not None


def test_the_referral_page_offers_clearing_to_whoever_the_rule_allows(world):
    """The template's copy once offered the button to the raising officer only, though the case-management
    side may clear too (the endpoint answers them)."""
    handoff = world.handoff
    Handoff.objects.filter(pk=handoff.pk).update(status=Handoff.Status.HANDED_OFF)
    url = f"/referrals/{handoff.referral_id}/"
    officer_page = verified_client(world["officer"]).get(url).content.decode()
    assert "I am clear of the scene" in officer_page
    carmen_page = verified_client(world["case_manager"]).get(url).content.decode()
    assert "The officer is clear of the scene" in carmen_page and "I am clear" not in carmen_page
    liaison_page = verified_client(world["police_liaison"]).get(url).content.decode()
    assert "clear of the scene" not in liaison_page


def test_the_hand_off_list_offers_cancel_and_answers_by_the_rule(world):
    officer_page = verified_client(world["officer"]).get("/referrals/handoffs/").content.decode()
    assert "Cancel this request" in officer_page and "Acknowledge" not in officer_page
    liaison_page = verified_client(world["police_liaison"]).get("/referrals/handoffs/").content.decode()
    assert f'data-handoff="{world.handoff.pk}"' in liaison_page and "Cancel this request" not in liaison_page
    carmen_page = verified_client(world["case_manager"]).get("/referrals/handoffs/").content.decode()
    assert "Cancel this request" in carmen_page and "Acknowledge" in carmen_page

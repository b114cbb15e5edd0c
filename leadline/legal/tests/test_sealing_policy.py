"""The sealing rule (PRODUCT §4 rule 3) decided once: every criminal-justice role is refused a sealed matter
and every record about it, the program is not; tested over every role and on every kind of record that
applies it (legal matters, referrals, hand-offs)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from leadline.accounts.policy import hides_sealed
from leadline.accounts.roles import CRIMINAL_JUSTICE_ROLES, Role
from leadline.core import clock
from leadline.legal.models import LegalMatter
from leadline.legal.policy import sealed_from, without_sealed
from leadline.legal.selectors import matters_visible_to
from leadline.referrals.policy import handoffs_visible_to, referrals_visible_to


@pytest.mark.parametrize("role", list(Role))
def test_every_criminal_justice_role_and_no_other_is_refused_sealed_matters(role):
    user = SimpleNamespace(is_authenticated=True, is_active=True, role=role.value)
    assert hides_sealed(user) is (role in CRIMINAL_JUSTICE_ROLES)
    sealed = SimpleNamespace(sealed_at=clock.now())
    assert sealed_from(user, sealed) is (role in CRIMINAL_JUSTICE_ROLES)
    assert not sealed_from(user, SimpleNamespace(sealed_at=None)) and not sealed_from(user, None)


def test_a_user_whose_role_cannot_be_read_is_refused_too():
    for raw in ("", None, "sheriff"):
        assert hides_sealed(SimpleNamespace(is_authenticated=True, is_active=True, role=raw))


def test_a_sealed_matter_leaves_every_criminal_justice_list_and_stays_with_the_program(world):
    matter = world.matter
    LegalMatter.objects.filter(pk=matter.pk).update(sealed_at=clock.now())
    for persona in ("officer", "police_liaison", "prosecutor", "defender"):
        user = world[persona]
        assert not without_sealed(user, LegalMatter.objects.filter(pk=matter.pk)).exists()
        assert not matters_visible_to(user).filter(pk=matter.pk).exists()
        assert not referrals_visible_to(user).filter(pk=matter.referral_id).exists()
        assert not handoffs_visible_to(user).filter(referral_id=matter.referral_id).exists()
    for persona in ("case_manager", "program_manager"):
        user = world[persona]
        assert matters_visible_to(user).filter(pk=matter.pk).exists()
        assert referrals_visible_to(user).filter(pk=matter.referral_id).exists()
        assert handoffs_visible_to(user).filter(referral_id=matter.referral_id).exists()
    # Before the sealing the officer who referred saw the referral: the rule, not the scope, removed it.
    LegalMatter.objects.filter(pk=matter.pk).update(sealed_at=None)
    assert referrals_visible_to(world["officer"]).filter(pk=matter.referral_id).exists()

"""Queries select people by what they may do (accounts.policy.users_with_capability), never by a role's
name. Each capability the code asks for selects exactly the people the role-name query used to select."""

from __future__ import annotations

import pytest

from leadline.accounts.models import User
from leadline.accounts.policy import UnknownCapability, roles_with_capability, users_with_capability
from leadline.accounts.roles import Role, Scope

# (capability, scope) as the callers ask -> the one role the old query named.
ASKED = [
    # program capacity, caseload overview, the pack's caseloads, the assignment form: who carries a caseload
    ("caseload.view", Scope.CASELOAD, Role.CASE_MANAGER),
    ("caseload.edit", None, Role.PROGRAM_MANAGER),  # the hand-off's last resort: who assigns caseloads
    ("legal_matter.edit", None, Role.PROSECUTOR),  # a notice's alert
    ("legal_matter.view", Scope.CLIENTS, Role.DEFENDER),  # the defender chosen on a matter
    ("service_referral.edit", Scope.ORGANISATION, Role.PROVIDER_STAFF),  # who answers referrals
    ("directory.edit", Scope.ORGANISATION, Role.PROVIDER_STAFF),  # who keeps an organisation's listings
    ("user_account.edit", None, Role.SITE_ADMIN),  # the program's fallback for unanswered mail
]


@pytest.mark.parametrize(("capability", "scope", "role"), ASKED)
def test_each_capability_asked_for_selects_exactly_the_role_it_replaced(capability, scope, role):
    assert roles_with_capability(capability, scope=scope) == {role}


def test_the_firewall_speaks_before_the_table():
    assert Role.OFFICER not in roles_with_capability("case_notes.view")
    assert roles_with_capability("handoff.view") == {
        Role.OFFICER, Role.POLICE_LIAISON, Role.CASE_MANAGER, Role.PROGRAM_MANAGER
    }  # fmt: skip


def test_a_typo_fails_loudly():
    with pytest.raises(UnknownCapability):
        roles_with_capability("caseloads.view")


def test_only_active_people_and_only_the_agency_asked_for(world):
    carmen, casey = world["case_manager"], world.casey
    assert set(users_with_capability("caseload.view", scope=Scope.CASELOAD)) == {carmen, casey}
    User.objects.filter(pk=casey.pk).update(is_active=False)
    assert set(users_with_capability("caseload.view", scope=Scope.CASELOAD)) == {carmen}
    pat = world["provider_staff"]
    org = Scope.ORGANISATION
    assert list(users_with_capability("service_referral.edit", scope=org, agency_id=pat.agency_id)) == [pat]
    assert not users_with_capability("service_referral.edit", scope=org, agency_id=carmen.agency_id).exists()
    assert list(users_with_capability("service_referral.edit", agency_id=carmen.agency_id)) == [carmen]

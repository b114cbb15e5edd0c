"""An action item about a participant goes to someone in the program: asked of a capability, it still means
exactly case management, outreach and the program manager (the data firewall keeps its words inside)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from leadline.accounts import policy
from leadline.accounts.roles import Role
from leadline.workgroup.services import PROGRAM_CAPABILITY

PROGRAM = {Role.CASE_MANAGER, Role.OUTREACH_WORKER, Role.PROGRAM_MANAGER}


@pytest.mark.parametrize("role", list(Role))
def test_who_may_own_an_action_about_a_participant(role):
    person = SimpleNamespace(is_authenticated=True, is_active=True, role=role.value)
    assert policy.can(person, PROGRAM_CAPABILITY) is (role in PROGRAM)


def test_an_inactive_program_member_may_not_own_one():
    person = SimpleNamespace(is_authenticated=True, is_active=False, role=Role.CASE_MANAGER.value)
    assert not policy.can(person, PROGRAM_CAPABILITY)

"""Who may close an action item: its owner or the program manager, one rule (workgroup.policy.action_access)
that the service, the view and both pages read, tested over every role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from leadline.accounts.roles import Role
from leadline.demo.testing import verified_client
from leadline.workgroup.models import ActionItem
from leadline.workgroup.policy import ActionAccess, AgendaReader, action_access, agenda_reader


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("owns_it", [True, False])
def test_every_role_closes_an_action_item_as_the_rule_says(role, owns_it):
    user = SimpleNamespace(is_authenticated=True, is_active=True, role=role.value, pk=7 if owns_it else 8)
    expected = owns_it or role is Role.PROGRAM_MANAGER
    assert action_access(user, ActionItem(owner_id=7)) == ActionAccess(may_close=expected)


def test_the_meeting_page_offers_closing_to_the_program_manager_too(world):
    """The meeting page's copy once offered "Mark done" to the owner only, though the program manager may
    close any action item (the actions page and the endpoint already let her)."""
    url = f"/workgroup/meetings/{world.meeting.pk}/"
    marker = f'action="/workgroup/actions/{world.action.pk}/done/"'
    assert marker in verified_client(world["program_manager"]).get(url).content.decode()
    assert marker in verified_client(world["case_manager"]).get(url).content.decode()  # hers
    actions_page = verified_client(world["program_manager"]).get("/workgroup/actions/").content.decode()
    assert marker in actions_page


# How each role read the agenda when item_views switched on role names: the capabilities must agree.
READS_AS = {
    Role.PROGRAM_MANAGER: AgendaReader.PROGRAM,
    Role.CASE_MANAGER: AgendaReader.PROGRAM,
    Role.OUTREACH_WORKER: AgendaReader.OUTREACH,
    Role.PROSECUTOR: AgendaReader.LEGAL,
    Role.DEFENDER: AgendaReader.LEGAL,
    Role.OFFICER: AgendaReader.REFERRER,
    Role.PROVIDER_STAFF: AgendaReader.PROVIDER,
    Role.POLICE_LIAISON: AgendaReader.NOTHING,
    Role.EVALUATOR: AgendaReader.NOTHING,
    Role.SITE_ADMIN: AgendaReader.NOTHING,
}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_agenda_through_its_capabilities(role):
    user = SimpleNamespace(is_authenticated=True, is_active=True, role=role.value, pk=1)
    assert agenda_reader(user) is READS_AS[role]

"""Action items in the "needs you" inbox (issue #17): mine and open, until I (or the program manager)
mark them done; never someone else's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadline.accounts import policy
from leadline.core import clock
from leadline.core.inbox import source, sources_for
from leadline.workgroup.models import AgendaItem
from leadline.workgroup.services import action_done, decision_record

pytestmark = pytest.mark.django_db


def shown(user) -> list:
    src = source("action_item_mine")
    if src not in sources_for(user, policy.can):
        return []
    items = src.items(user, 10)
    assert src.count(user) == len(items)
    return items


def test_inbox_leaves_when_done__action_item_mine(world):
    action = world.action  # Carmen's, open
    [item] = shown(world["case_manager"])
    assert item.work_key == f"workgroup_action:{action.pk}" and item.url == "/workgroup/actions/"
    assert action.text in str(item.what) and item.due == action.due_on
    for nobody in (world.casey, world["program_manager"], world["prosecutor"], world["officer"]):
        assert shown(nobody) == []  # the program manager runs the group, but the item is not hers to do
    action_done(actor=world["program_manager"], action_id=action.pk, version=action.version)
    assert shown(world["case_manager"]) == []


def test_an_action_about_a_participant_names_them_as_the_owners_access_does(world):
    item = AgendaItem.objects.create(
        meeting=world.meeting,
        participant=world.mine,
        kind=AgendaItem.Kind.values[0],
        source_key="test:about-mine",
        position=99,
    )
    decision_record(
        actor=world["program_manager"],
        meeting=world.meeting,
        text="Find a bed",
        item=item,
        idempotency_key="d-about",
        action_text="Ring the night shelter",
        owner=world["case_manager"],
        due_on=clock.today() + timedelta(days=2),
    )
    by_what = {str(i.what): i.who for i in shown(world["case_manager"])}
    assert by_what["Action item: Ring the night shelter"] == world.mine.display_name
    assert by_what[f"Action item: {world.action.text}"] == ""  # about nobody in particular
    world.mine.merged_into = world.other  # a merged duplicate is named as nobody: its survivor is elsewhere
    world.mine.save(update_fields=["merged_into"])
    by_what = {str(i.what): i.who for i in shown(world["case_manager"])}
    assert by_what["Action item: Ring the night shelter"] == ""

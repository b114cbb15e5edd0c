"""Unread messages in the "needs you" inbox (issue #17): a thread with something new shows to each member
who may read it, leaves when they read it, and is never shown to anyone else; a reader outside the
program is not told who the thread is about (that is a disclosure the thread's page records)."""

from __future__ import annotations

import uuid

import pytest

from leadline.accounts import policy as access_policy
from leadline.core.inbox import source, sources_for
from leadline.messaging.models import Thread
from leadline.messaging.services import message_post

pytestmark = pytest.mark.django_db


def shown(user) -> list:
    src = source("message_unread")
    if src not in sources_for(user, access_policy.can):
        return []
    items = src.items(user, 10)
    assert src.count(user) == len(items)
    return items


def test_inbox_leaves_when_done__message_unread(world, login):
    thread = world.thread  # Paula's, about ``mine``, with Carmen and Priya (a consent names the DA's office)
    [item] = shown(world["case_manager"])
    assert item.work_key == f"message_thread:{thread.pk}" and item.url == f"/messages/{thread.pk}/"
    assert item.who == world.mine.display_name and "Intake on Thursday" in str(item.what)
    [outside] = shown(world["prosecutor"])
    assert outside.who == "" and "Intake" not in str(outside.what)  # no name, no subject, outside the program
    for nobody in (world["program_manager"], world.casey, world["officer"], world["provider_staff"]):
        assert shown(nobody) == []  # the author has read it; the others are not members (or may not be)
    assert login(world["case_manager"]).get(f"/messages/{thread.pk}/").status_code == 200
    assert shown(world["case_manager"]) == []
    assert len(shown(world["prosecutor"])) == 1  # her reading is her own
    message_post(
        actor=world["prosecutor"], thread=thread, body="Court on the 14th", idempotency_key=uuid.uuid4().hex
    )
    assert shown(world["prosecutor"]) == []  # answering is reading
    assert [i.work_key for i in shown(world["case_manager"])] == [f"message_thread:{thread.pk}"]


def test_a_thread_a_member_may_no_longer_read_leaves_their_inbox(world):
    thread = world.thread
    assert len(shown(world["prosecutor"])) == 1
    # The participant moves to Casey's caseload: Carmen no longer reaches them, so nor does her inbox.
    world.mine.case_manager = world.casey
    world.mine.save(update_fields=["case_manager"])
    assert Thread.objects.filter(pk=thread.pk, members__user=world["case_manager"]).exists()
    assert shown(world["case_manager"]) == []

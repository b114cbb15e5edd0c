"""The referrals app's kinds of work in the "needs you" inbox (issue #17, item 1): each appears for the person
the work waits on, leaves by itself when the work is done, and is never shown outside the reader's scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadline.accounts import policy
from leadline.core import clock, inbox
from leadline.demo.testing import UserFactory, make_referral
from leadline.referrals import services
from leadline.referrals.models import OnCallShift
from leadline.referrals.services.waiting import referral_assign
from leadline.referrals.tests.test_waiting import community, social

pytestmark = pytest.mark.django_db


def keys(kind: str, user) -> list[str]:
    """The work keys ``user`` reads under ``kind`` (nothing when the reader's capabilities do not open it),
    checked against the source's count."""
    opened = [s.kind for s in inbox.sources_for(user, policy.can)]
    if kind not in opened:
        return []
    source = inbox.source(kind)
    items = source.items(user, 20)
    assert source.count(user) == len(items)
    assert all(i.kind == kind and i.url and i.since for i in items)
    return [i.work_key for i in items]


def test_the_referrals_kinds_are_registered_in_order():
    kinds = [s.kind for s in inbox.sources()]
    assert {"handoff_waiting", "community_to_approve", "waiting_for_case_manager"} <= set(kinds)
    assert inbox.source("handoff_waiting").urgent and inbox.source("handoff_waiting").order == 0


def test_inbox_leaves_when_done__handoff_waiting(small_world):
    w = small_world
    now = clock.now()
    OnCallShift.objects.create(
        case_manager=w["case_manager"], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8)
    )
    referral = make_referral(w["officer"])
    handoff, _ = services.handoff_request(
        actor=w["officer"], referral=referral, callback_phone="+15855550100"
    )
    key = f"handoff:{handoff.pk}"
    # Paged: the on-call case manager; the officer who called follows it; nobody else holds it.
    assert keys("handoff_waiting", w["case_manager"]) == [key]
    assert keys("handoff_waiting", w["officer"]) == [key]
    for persona in ("police_liaison", "outreach_worker", "provider_staff", "prosecutor", "site_admin"):
        assert keys("handoff_waiting", w[persona]) == [], persona
    assert keys("handoff_waiting", w.casey) == []  # neither paged nor on call
    item = inbox.source("handoff_waiting").items(w["case_manager"], 5)[0]
    assert item.urgent and item.url == "/referrals/handoffs/" and item.who == "Jordan Rivera"

    # Casey's shift begins: a request still unanswered is hers too.
    OnCallShift.objects.create(
        case_manager=w.casey, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=8)
    )
    assert keys("handoff_waiting", w.casey) == [key]

    services.handoff_acknowledge(actor=w["case_manager"], handoff=handoff, eta_minutes=15)
    assert keys("handoff_waiting", w["case_manager"]) == [] and keys("handoff_waiting", w.casey) == []
    officer_item = inbox.source("handoff_waiting").items(w["officer"], 5)[0]
    assert "15 minutes" in str(officer_item.what) and officer_item.url == f"/referrals/{referral.pk}/"

    services.handoff_arrive(actor=w["case_manager"], handoff=handoff)
    services.handoff_complete(actor=w["case_manager"], handoff=handoff, match=services.NEW_PARTICIPANT)
    assert keys("handoff_waiting", w["officer"]) == [key]  # until the officer is clear of the scene
    services.handoff_clear(actor=w["officer"], handoff=handoff)
    assert keys("handoff_waiting", w["officer"]) == []


def test_inbox_leaves_when_done__community_to_approve(small_world):
    w = small_world
    referral = community(w, approve=None)
    key = f"referral:{referral.pk}"
    assert keys("community_to_approve", w["program_manager"]) == [key]  # the designated approver
    not_designated = UserFactory.create(
        username="pm2", role="program_manager", agency=w["program_manager"].agency
    )
    assert keys("community_to_approve", not_designated) == []  # the capability alone cannot decide
    for persona in ("case_manager", "provider_staff", "officer"):
        assert keys("community_to_approve", w[persona]) == [], persona
    services.community_referral_decide(
        actor=w["program_manager"], referral=referral, approve=True, reason="Known to outreach"
    )
    assert keys("community_to_approve", w["program_manager"]) == []


def test_inbox_leaves_when_done__waiting_for_case_manager(small_world):
    w = small_world
    approved = community(w)
    walked_on = social(w["officer"])
    assert keys("waiting_for_case_manager", w["program_manager"]) == [
        f"referral:{approved.pk}",
        f"referral:{walked_on.pk}",  # oldest first: approved before the other came
    ]
    item = inbox.source("waiting_for_case_manager").items(w["program_manager"], 5)[0]
    assert item.url == f"/referrals/waiting/{approved.pk}/" and item.who == "Tobias Wendell"
    for persona in ("case_manager", "officer", "provider_staff", "outreach_worker", "site_admin"):
        assert keys("waiting_for_case_manager", w[persona]) == [], persona
    referral_assign(
        actor=w["program_manager"],
        referral=approved,
        case_manager=w.casey,
        participant=services.NEW_PARTICIPANT,
    )
    assert keys("waiting_for_case_manager", w["program_manager"]) == [f"referral:{walked_on.pk}"]
    services.handoff_request(actor=w["officer"], referral=walked_on, callback_phone="+15855550100")
    assert keys("waiting_for_case_manager", w["program_manager"]) == []  # handed off after all: it leaves too


def test_the_inbox_counts_in_one_query_each(small_world, django_assert_max_num_queries):
    w = small_world
    community(w, approve=None)
    community(w)
    social(w["officer"])
    for kind in ("handoff_waiting", "community_to_approve", "waiting_for_case_manager"):
        with django_assert_max_num_queries(1):
            inbox.source(kind).count(w["program_manager"])
        with django_assert_max_num_queries(2):
            inbox.source(kind).items(w["program_manager"], 10)

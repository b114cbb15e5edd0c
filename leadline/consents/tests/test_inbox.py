"""Consents' kinds of work in the "needs you" inbox: a consent ending within 30 days and an accounting of
disclosures to give appear on the participant's case manager's home page, nobody else's, and leave when the
work is done."""

from __future__ import annotations

import re
from datetime import timedelta

from leadline.consents.accounting import accounting_request_answer
from leadline.consents.services import consent_record, consent_revoke
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, verified_client


def inbox_keys(user) -> set[str]:
    page = verified_client(user).get("/").content.decode()
    return set(re.findall(r'data-work="([^"]+)"', page))


def test_inbox_leaves_when_done__consent_expiring(world):
    carmen = world["case_manager"]
    p = ParticipantFactory.create(case_manager=carmen, status="active", given_name="Soon")
    consent, _ = consent_record(
        actor=carmen, participant=p, kind="officer_feedback", method="verbal",
        expires_on=clock.today() + timedelta(days=10),
    )  # fmt: skip
    key = f"consent:{consent.pk}"
    assert key in inbox_keys(carmen)
    assert key not in inbox_keys(world.casey) and key not in inbox_keys(world["program_manager"])
    # The world's consents end in 90 and 180 days, or never: not yet anyone's work.
    assert not any(
        k in inbox_keys(carmen) for k in (f"consent:{world.unsigned.pk}", f"consent:{world.part2.pk}")
    )
    page = verified_client(carmen).get("/").content.decode()
    assert f'href="/participants/{p.pk}/consents/{consent.pk}/"' in page

    consent_revoke(actor=carmen, consent=consent, note="Said so on the phone")
    assert key not in inbox_keys(carmen)


def test_inbox_leaves_when_done__accounting_due(world):
    carmen, made = world["case_manager"], world.accounting
    key = f"accounting_request:{made.pk}"
    assert key in inbox_keys(carmen)
    # The program manager finds every open request on /disclosure-requests/; her inbox holds her caseload's.
    assert key not in inbox_keys(world.casey) and key not in inbox_keys(world["program_manager"])

    accounting_request_answer(actor=carmen, request=made)
    assert key not in inbox_keys(carmen)

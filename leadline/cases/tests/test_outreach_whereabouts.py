"""Issue #15 item 14: the outreach list decides the last known whereabouts per participant, through the
same decision (participant_access → accounts.policy) the participant page and the API use. A case manager
holds ``whereabouts.view`` for her caseload only: another caseload's and an unassigned person's
whereabouts never reach her through the list. Outreach workers (PRODUCT §2: "name, photo, last known
whereabouts, status") and the program manager read them for everyone on the list."""

from __future__ import annotations

import pytest

from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.legal.models import LegalMatter
from leadline.participants.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def to_find(world):
    """Three people to find: one on Carmen's caseload, one on Casey's, one nobody's yet."""
    Participant.objects.filter(pk__in=[world.mine.pk, world.other.pk]).update(status="referred")
    nobody = ParticipantFactory.create(
        case_manager=None, status="inactive", last_known_whereabouts="Under the bridge"
    )
    return {"mine": world.mine, "other": world.other, "nobody": nobody}


def _whereabouts_shown(world, persona: str) -> dict[str, bool]:
    page = verified_client(world[persona]).get("/participants/outreach/")
    assert page.status_code == 200
    html = page.content.decode()
    return {
        "Near the Public Market": "Near the Public Market" in html,  # mine
        "Bus terminal": "Bus terminal" in html,  # Casey's
        "Under the bridge": "Under the bridge" in html,  # unassigned
    }


def test_a_case_manager_reads_whereabouts_on_the_outreach_list_for_her_caseload_only(world, to_find):
    shown = _whereabouts_shown(world, "case_manager")
    assert shown == {"Near the Public Market": True, "Bus terminal": False, "Under the bridge": False}
    page = verified_client(world["case_manager"]).get("/participants/outreach/").content.decode()
    assert world.other.family_name in page or world.other.given_name in page  # still listed, to be found
    world.users["casey"] = world.casey
    shown = _whereabouts_shown(world, "casey")
    assert shown == {"Near the Public Market": False, "Bus terminal": True, "Under the bridge": False}


@pytest.mark.parametrize("persona", ["outreach_worker", "program_manager"])
def test_outreach_and_the_program_manager_read_everyones_whereabouts(world, to_find, persona):
    assert all(_whereabouts_shown(world, persona).values())


def test_the_order_does_not_reveal_another_caseloads_legal_deadline(world, to_find):
    """The nearest legal deadline comes first only for those whose clock the reader may see: for Carmen,
    Casey's person's running matter must not lift them up the list."""
    LegalMatter.objects.filter(pk=world.other_matter.pk).update(state="held")
    LegalMatter.objects.filter(pk=world.matter.pk).delete()
    # Casey's person was tried more recently than the unassigned one: without a deadline, later in order.
    from django.utils import timezone

    Participant.objects.filter(pk=world.other.pk).update(last_contact_at=timezone.now())
    page = verified_client(world["case_manager"]).get("/participants/outreach/")
    order = [p.pk for p in page.context["people"]]
    assert order.index(to_find["nobody"].pk) < order.index(world.other.pk)
    # Outreach may read every clock: there Casey's person comes first.
    page = verified_client(world["outreach_worker"]).get("/participants/outreach/")
    assert page.context["people"][0].pk == world.other.pk

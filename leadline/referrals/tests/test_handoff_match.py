"""Completing a hand-off joins an existing participant only when the case manager confirms the match
(issue #15 item 16, decision 0029): "Jamal Fairbanks 1988-08-18" and "… 1988-08-19" were joined silently."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from leadline.audit.models import AuditEvent
from leadline.demo.testing import ParticipantFactory, make_referral, verified_client
from leadline.participants.models import Participant
from leadline.referrals import services
from leadline.referrals.models import Handoff
from leadline.referrals.services.handoffs import Shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def fairbanks(world):
    """Jamal Fairbanks, born 18 August 1988, already in LEAD; an officer refers a Jamal Fairbanks born the
    19th, and the case manager has arrived at the scene."""
    known = ParticipantFactory.create(
        given_name="Jamal", family_name="Fairbanks", date_of_birth=date(1988, 8, 18), status="active",
        case_manager=world.casey,
    )  # fmt: skip
    referral = make_referral(
        world["officer"], given_name="Jamal", family_name="Fairbanks", date_of_birth=date(1988, 8, 19)
    )
    handoff, _ = services.handoff_request(
        actor=world["officer"], referral=referral, callback_phone="+15855550199"
    )
    services.handoff_acknowledge(actor=world["case_manager"], handoff=handoff, eta_minutes=5)
    services.handoff_arrive(actor=world["case_manager"], handoff=handoff)
    return world, known, handoff


def _state(handoff: Handoff) -> tuple[str, Any, int]:
    handoff.refresh_from_db()
    assert handoff.referral is not None
    handoff.referral.refresh_from_db()
    return handoff.status, handoff.referral.participant_id, Participant.objects.count()


def test_the_fairbanks_pair_is_not_joined_without_confirmation(fairbanks):
    world, known, handoff = fairbanks
    before = Participant.objects.count()
    with pytest.raises(services.MatchToConfirm) as asked:
        services.handoff_complete(actor=world["case_manager"], handoff=handoff)
    assert [p.pk for p in asked.value.candidates] == [known.pk]
    assert _state(handoff) == ("arrived", None, before)  # nothing written


def test_confirming_the_match_joins_the_known_participant(fairbanks):
    world, known, handoff = fairbanks
    before = Participant.objects.count()
    services.handoff_complete(actor=world["case_manager"], handoff=handoff, match=known.pk)
    assert _state(handoff) == ("handed_off", known.pk, before)


def test_rejecting_the_match_creates_a_new_participant(fairbanks):
    world, known, handoff = fairbanks
    before = Participant.objects.count()
    services.handoff_complete(actor=world["case_manager"], handoff=handoff, match=services.NEW_PARTICIPANT)
    status, joined, count = _state(handoff)
    assert status == "handed_off" and joined != known.pk and count == before + 1
    new = Participant.objects.get(pk=joined)
    assert (new.given_name, new.date_of_birth, new.case_manager) == (
        "Jamal",
        date(1988, 8, 19),
        world["case_manager"],
    )


def test_a_stale_or_forged_candidate_is_refused_naming_the_field(fairbanks):
    world, known, handoff = fairbanks
    before = Participant.objects.count()
    for forged in (world.mine.pk, 999_999):  # a real stranger not among the candidates; no such record
        with pytest.raises(services.HandoffRefused) as refused:
            services.handoff_complete(actor=world["case_manager"], handoff=handoff, match=forged)
        assert refused.value.field == "participant" and refused.value.message.startswith("Participant:")
        assert _state(handoff) == ("arrived", None, before)
    # Stale: the candidate was merged away between the page and the answer.
    from leadline.participants.services import participant_merge

    participant_merge(
        actor=world["program_manager"], duplicate=known, survivor=world.mine, reason="same person"
    )
    with pytest.raises(services.HandoffRefused):
        services.handoff_complete(actor=world["case_manager"], handoff=handoff, match=known.pk)
    assert _state(handoff) == ("arrived", None, before)


def test_the_page_asks_then_confirms_and_a_double_submit_makes_one_participant(fairbanks):
    world, known, handoff = fairbanks
    client = verified_client(world["case_manager"])
    url = f"/referrals/handoffs/{handoff.pk}/complete/"
    asked = client.post(url)
    assert asked.status_code == 409
    page = asked.content.decode()
    # Dates of birth as people read them (decision 0040), the two to compare side by side.
    assert "data-handoff-match" in page and f'value="{known.pk}"' in page and "Aug. 18, 1988" in page
    assert "Aug. 19, 1988" in page  # the referred person's date, to compare
    assert AuditEvent.objects.filter(participant_id=known.pk, action="search",
                                     reason="match check before completing a hand-off").exists()  # fmt: skip
    assert _state(handoff)[0] == "arrived"

    before = Participant.objects.count()
    answer = {"confirming": "1", "match": "new", "shown": str(known.pk)}  # as the page posts it
    first = client.post(url, answer)
    again = client.post(url, answer)
    assert first.status_code == 302 and again.status_code == 302
    status, joined, count = _state(handoff)
    assert status == "handed_off" and joined != known.pk and count == before + 1


def test_bad_answers_on_the_page_name_the_field_and_write_nothing(fairbanks):
    world, known, handoff = fairbanks
    client = verified_client(world["case_manager"])
    url = f"/referrals/handoffs/{handoff.pk}/complete/"
    before = Participant.objects.count()
    for data in ({"confirming": "1"}, {"confirming": "1", "match": "jamal"},
                 {"confirming": "1", "match": str(world.mine.pk)}):  # fmt: skip
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert "data-match-error" in response.content.decode() and "Participant:" in response.content.decode()
        assert _state(handoff) == ("arrived", None, before)
    confirmed = client.post(url, {"confirming": "1", "match": str(known.pk)})
    assert confirmed.status_code == 302 and _state(handoff) == ("handed_off", known.pk, before)


def test_nobody_to_confirm_completes_at_once(world):
    referral = make_referral(world["officer"], given_name="Zebulon", family_name="Quartermaine")
    handoff, _ = services.handoff_request(
        actor=world["officer"], referral=referral, callback_phone="+15855550199"
    )
    services.handoff_acknowledge(actor=world["case_manager"], handoff=handoff, eta_minutes=5)
    services.handoff_arrive(actor=world["case_manager"], handoff=handoff)
    response = verified_client(world["case_manager"]).post(f"/referrals/handoffs/{handoff.pk}/complete/")
    assert response.status_code == 302
    status, joined, _count = _state(handoff)
    assert status == "handed_off" and Participant.objects.get(pk=joined).family_name == "Quartermaine"


# --- Review of issue #15: the confirm page without a referral; "None of these" against a stale list ---


def test_the_confirm_page_on_a_phone_hand_off_without_a_referral_gives_the_usual_message(world):
    """A hand-off raised by phone has no referral until the officer links one: answering the confirm page
    for it (or pressing "Hand-off done") says so, with nothing written, never a server error."""
    handoff = world.handoff
    Handoff.objects.filter(pk=handoff.pk).update(referral=None, status=Handoff.Status.ARRIVED)
    client = verified_client(world["case_manager"])
    url = f"/referrals/handoffs/{handoff.pk}/complete/"
    before = Participant.objects.count()
    for data in ({"confirming": "1"}, {"confirming": "1", "match": "new"}, {}):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, data
        assert "referral is not linked yet" in response.content.decode(), data
        handoff.refresh_from_db()
        assert handoff.status == "arrived" and Participant.objects.count() == before


def _second_handoff(world: Any) -> Handoff:
    """Another officer's hand-off of the same Jamal Fairbanks (born the 19th), answered by Casey."""
    referral = make_referral(
        world["officer"], given_name="Jamal", family_name="Fairbanks", date_of_birth=date(1988, 8, 19)
    )
    handoff, _ = services.handoff_request(
        actor=world["officer"], referral=referral, callback_phone="+15855550198"
    )
    services.handoff_acknowledge(actor=world.casey, handoff=handoff, eta_minutes=5)
    services.handoff_arrive(actor=world.casey, handoff=handoff)
    return handoff


def test_none_of_these_against_an_out_of_date_list_asks_again(fairbanks):
    """Two hand-offs of one person, both answered "None of these" from pages that showed only the
    18 August Jamal: the first makes the new participant; the second is asked again with them listed,
    and makes no second record."""
    world, known, first = fairbanks
    second = _second_handoff(world)
    before = Participant.objects.count()
    services.handoff_complete(
        actor=world["case_manager"],
        handoff=first,
        match=services.NEW_PARTICIPANT,
        shown=Shown(frozenset([known.pk])),
    )
    made = _state(first)[1]
    assert Participant.objects.count() == before + 1
    with pytest.raises(services.MatchToConfirm) as asked:
        services.handoff_complete(
            actor=world.casey,
            handoff=second,
            match=services.NEW_PARTICIPANT,
            shown=Shown(frozenset([known.pk])),
        )
    assert made in [p.pk for p in asked.value.candidates]
    assert _state(second) == ("arrived", None, before + 1)  # nothing written
    # Asked again with the new record shown, the answer stands (here: the same person, joined).
    services.handoff_complete(
        actor=world.casey, handoff=second, match=made, shown=Shown(frozenset([known.pk, made]))
    )
    assert _state(second) == ("handed_off", made, before + 1)


def test_the_confirm_page_posts_what_it_showed_and_is_shown_again_when_the_list_grew(fairbanks):
    world, known, first = fairbanks
    second = _second_handoff(world)
    casey = verified_client(world.casey)
    url = f"/referrals/handoffs/{second.pk}/complete/"
    page = casey.post(url).content.decode()
    assert f'name="shown" value="{known.pk}"' in page
    verified_client(world["case_manager"]).post(
        f"/referrals/handoffs/{first.pk}/complete/",
        {"confirming": "1", "match": "new", "shown": str(known.pk)},
    )
    made = _state(first)[1]
    count = Participant.objects.count()
    again = casey.post(url, {"confirming": "1", "match": "new", "shown": str(known.pk)})
    assert again.status_code == 409
    assert f'value="{made}"' in again.content.decode() and "data-match-stale" in again.content.decode()
    assert _state(second) == ("arrived", None, count)
    done = casey.post(url, {"confirming": "1", "match": "new", "shown": [str(known.pk), str(made)]})
    assert done.status_code == 302 and _state(second)[0] == "handed_off"
    assert Participant.objects.count() == count + 1  # the case manager said: someone else again

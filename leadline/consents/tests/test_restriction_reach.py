"""A restriction (42 CFR 2.26) reaches every way a recipient outside the program learns of a participant, and
the accounting's edges hold (review of issue #15, 13b):

- a restriction naming enrolment refuses everything to that recipient (showing anything at all tells them
  the person is in LEAD), so message threads and the workgroup agenda close too, not only the summary;
- the prosecutor's legal pages reach a consent-only participant through the decision point, never past a
  restriction, and each showing is a logged disclosure (so the accounting lists it); the people reached
  through a legal matter stay as they were;
- the 30-day extension cannot be taken once the answer is overdue;
- another participant's form key answers a clear refusal, not a 500.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from leadline.consents import accounting
from leadline.consents.models import AccountingRequest, Consent, Disclosure, DisclosureRestriction
from leadline.consents.policy import Info, may_disclose_each
from leadline.consents.services import ConsentRefused, consent_record
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, sample_signature, verified_client


@pytest.fixture(autouse=True)
def _none_recorded_yet(world):
    AccountingRequest.objects.all().delete()
    DisclosureRestriction.objects.all().delete()


def restrict(world, participant, categories, *, kind="prosecutor"):
    made, _created = accounting.restriction_record(
        actor=world["program_manager"], participant=participant, categories=categories,
        recipient_kind=kind, recipient_agency=None, request_text="Do not tell them I am in LEAD",
        requested_on=clock.today(), decision="agreed", reason="The participant asked",
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    return made


# --- 1. a restriction on enrolment refuses everything -------------------------------------------------


def test_a_restriction_on_enrolment_refuses_every_piece_of_information_to_that_recipient(world):
    mine, priya = world.mine, world["prosecutor"]
    infos = [Info.STATUS, Info.ATTENDANCE]
    before = may_disclose_each(recipient=priya, participant_ids=[mine.pk], infos=infos)
    assert all(before[i].allowed(mine.pk) for i in infos)
    restrict(world, mine, ["enrolment"])
    after = may_disclose_each(recipient=priya, participant_ids=[mine.pk], infos=infos)
    assert {after[i].decisions[mine.pk].reason for i in infos} == {"restricted"}


def test_a_restriction_on_enrolment_to_the_referring_officer_refuses_the_feedback(world):
    from leadline.referrals.models import Referral

    mine, officer = world.mine, world["officer"]
    Referral.objects.filter(referred_by=officer, given_name="Avery").update(participant=mine)  # she referred
    infos = [Info.ENGAGEMENT, Info.HOUSED]
    assert may_disclose_each(recipient=officer, participant_ids=[mine.pk], infos=infos)[
        Info.ENGAGEMENT
    ].allowed(mine.pk)
    restrict(world, mine, ["enrolment"], kind="referring_officer")
    after = may_disclose_each(recipient=officer, participant_ids=[mine.pk], infos=infos)
    assert not any(after[i].allowed(mine.pk) for i in infos)


def test_a_restriction_on_enrolment_to_a_provider_refuses_the_referral_details(world):
    mine, pat = world.mine, world["provider_staff"]
    # A name no page could hold by chance (the factory's random surname was once a word on the page).
    type(mine).objects.filter(pk=mine.pk).update(family_name="Quillfeatherby")
    mine.refresh_from_db()
    consent_record(
        actor=world["case_manager"], participant=mine, kind="part2", method="written",
        recipient_kind="provider", recipient_agency=pat.agency, categories=("enrolment", "referral"),
        purpose="So the housing service can take my referral", expires_on=clock.today() + timedelta(days=90),
        signature=sample_signature(),
    )  # fmt: skip
    assert may_disclose_each(recipient=pat, participant_ids=[mine.pk], infos=[Info.REFERRAL])[
        Info.REFERRAL
    ].allowed(mine.pk)
    client = verified_client(pat)
    pages = [f"/directory/referrals/{world.sref.pk}/", f"/directory/referrals/{world.sref.pk}/fhir.json"]
    assert all(mine.family_name in client.get(url).content.decode() for url in pages)
    restrict(world, mine, ["enrolment"], kind="provider")
    after = may_disclose_each(recipient=pat, participant_ids=[mine.pk], infos=[Info.REFERRAL])
    assert after[Info.REFERRAL].decisions[mine.pk].reason == "restricted"
    before = Disclosure.objects.filter(recipient=pat).count()
    for url in pages:  # the referral's minimum only: not who it is for
        response = client.get(url)
        assert response.status_code == 200 and mine.family_name not in response.content.decode()
    assert Disclosure.objects.filter(recipient=pat).count() == before


def test_a_restriction_on_enrolment_closes_the_thread_the_summary_and_the_agendas_status(world):
    from leadline.messaging import policy as messaging_policy
    from leadline.workgroup.agenda import item_views

    mine, priya = world.mine, world["prosecutor"]
    client = verified_client(priya)
    assert client.get(f"/messages/{world.thread.pk}/").status_code == 200
    status_line = f"LEAD status: {mine.get_status_display()}"
    assert any(status_line in v.lines for v in item_views(priya, world.meeting).items if v.who)
    restrict(world, mine, ["enrolment"])
    before = Disclosure.objects.filter(recipient=priya).count()
    assert messaging_policy.standing(priya, mine) is None
    assert client.get(f"/messages/{world.thread.pk}/").status_code in (403, 404)
    assert client.get(f"/summaries/{mine.pk}/").status_code == 404
    assert not any(status_line in v.lines for v in item_views(priya, world.meeting).items)
    assert Disclosure.objects.filter(recipient=priya).count() == before  # nothing went out


# --- 2. the prosecutor's legal pages decide through the decision point -----------------------------


@pytest.fixture
def consent_only(world):
    """A participant the prosecutor reaches only through a 2.35 consent naming the office (no legal matter),
    with a new charge flagged."""
    from leadline.legal.models import NewCharge

    cm, priya = world["case_manager"], world["prosecutor"]
    person = ParticipantFactory.create(case_manager=cm, given_name="Restricta", family_name="Zed")
    consent_record(
        actor=cm, participant=person, kind="criminal_justice", method="written", recipient_kind="prosecutor",
        recipient_agency=priya.agency, categories=("status",), purpose="So the DA can follow my progress",
        expires_on=clock.today() + timedelta(days=180), signature=sample_signature(),
    )  # fmt: skip
    NewCharge.objects.create(
        participant=person, statute="PL 140.10", description="Trespass", occurred_on=clock.today(),
        source="entered", flagged_by=cm, flagged_at=clock.now(),
    )  # fmt: skip
    return person


def test_the_legal_pages_show_a_consent_only_participant_as_a_logged_disclosure(world, consent_only):
    person, priya = consent_only, world["prosecutor"]
    client = verified_client(priya)
    page = client.get(f"/legal/people/{person.pk}/")
    assert page.status_code == 200 and "Restricta" in page.content.decode()
    assert (
        'aria-labelledby="notice-h"' in page.content.decode()
    )  # a 2.35 disclosure goes with the 2.32 notice
    rows = list(Disclosure.objects.filter(participant=person, recipient=priya))
    assert [r.categories for r in rows] == [["enrolment"]] and rows[0].consent.kind == "criminal_justice"
    workspace = client.get("/legal/").content.decode()
    assert "Restricta" in workspace and 'aria-labelledby="notice-h"' in workspace
    assert Disclosure.objects.filter(participant=person, recipient=priya).count() == 2
    # Marisol (world.mine) is reached through her legal matter: that is not a disclosure under a consent.
    assert (
        not Disclosure.objects.filter(participant=world.mine, recipient=priya, channel="page")
        .filter(categories=["enrolment"])
        .exists()
    )


def test_a_restriction_hides_a_consent_only_participant_from_the_legal_pages(world, consent_only):
    from leadline.consents.summaries import candidates_for
    from leadline.legal.selectors import people_visible_to

    person, priya = consent_only, world["prosecutor"]
    restrict(world, person, list(Info.values))
    client = verified_client(priya)
    assert client.get(f"/legal/people/{person.pk}/").status_code == 404
    workspace = client.get("/legal/").content.decode()
    assert "Restricta" not in workspace and "Trespass" not in workspace
    assert client.get("/summaries/").content.decode().count("Restricta") == 0
    assert not candidates_for(priya).filter(pk=person.pk).exists()
    assert not people_visible_to(priya).filter(pk=person.pk).exists()
    assert not Disclosure.objects.filter(participant=person).exists()
    # The legal matter's path is untouched: Marisol, restricted too, is still reached through her matter.
    restrict(world, world.mine, ["enrolment"])
    assert client.get(f"/legal/people/{world.mine.pk}/").status_code == 200


def test_the_agenda_logs_a_consent_only_participants_enrolment_and_a_restriction_hides_them(
    world, consent_only
):
    from leadline.workgroup.agenda import agenda_build, item_views

    person, priya = consent_only, world["prosecutor"]
    agenda_build(actor=world["program_manager"], meeting=world.meeting)
    assert any(v.who == "Restricta Zed" for v in item_views(priya, world.meeting).items)
    row = Disclosure.objects.get(participant=person, recipient=priya)
    assert row.categories == ["enrolment", "status"]  # one row: the name, and the status the consent names
    restrict(world, person, ["enrolment"])
    assert not any(v.who == "Restricta Zed" for v in item_views(priya, world.meeting).items)
    assert Disclosure.objects.filter(participant=person, recipient=priya).count() == 1


def test_a_sealed_matter_stays_hidden_from_the_prosecutor_reaching_the_person_by_consent(world):
    from leadline.legal.models import LegalMatter

    mine, priya = world.mine, world["prosecutor"]
    LegalMatter.objects.filter(pk=world.matter.pk).update(sealed_at=clock.now())
    response = verified_client(priya).get(f"/legal/people/{mine.pk}/")
    assert response.status_code == 200  # the consent naming the office still reaches her
    page = response.content.decode()
    assert f'data-matter="{world.matter.pk}"' not in page and f"/legal/{world.matter.pk}/" not in page
    assert Disclosure.objects.filter(participant=mine, recipient=priya, categories=["enrolment"]).exists()
    assert Consent.objects.filter(pk=world.part2.pk).exists()


# --- 3. the extension only within the 60 days --------------------------------------------------------


def test_the_extension_is_refused_once_the_answer_is_overdue_even_with_an_earlier_told_on(world):
    made, _created = accounting.accounting_request_record(
        actor=world["case_manager"], participant=world.mine, requested_by_name="P",
        received_on=clock.today() - timedelta(days=59), idempotency_key="k-ext",
    )  # fmt: skip
    later = time_machine.travel(clock.now() + timedelta(days=20), tick=False)
    with later, pytest.raises(ConsentRefused) as refused:
        accounting.accounting_request_extend(
            actor=world["case_manager"], request=made, reason="Records were archived offsite",
            told_on=made.due_on,
        )  # fmt: skip
    assert refused.value.field == "told_on"
    made.refresh_from_db()
    assert made.extended_at is None and made.due_on == clock.today() + timedelta(days=1)


# --- 4. another participant's form key --------------------------------------------------------------


def test_another_participants_form_key_is_refused_clearly(world):
    accounting.accounting_request_record(
        actor=world["case_manager"], participant=world.mine, requested_by_name="P",
        received_on=clock.today(), idempotency_key="shared-key",
    )  # fmt: skip
    other = ParticipantFactory.create(case_manager=world["case_manager"])
    with pytest.raises(ConsentRefused) as refused:
        accounting.accounting_request_record(
            actor=world["case_manager"], participant=other, requested_by_name="P",
            received_on=clock.today(), idempotency_key="shared-key",
        )  # fmt: skip
    assert refused.value.field == "idempotency_key"
    with pytest.raises(ConsentRefused) as refused:
        accounting.restriction_record(
            actor=world["case_manager"], participant=world.mine, categories=["status"],
            recipient_kind="prosecutor", recipient_agency=None, request_text="x", requested_on=clock.today(),
            decision="agreed", reason="asked", idempotency_key="r-shared",
        )  # fmt: skip
        accounting.restriction_record(
            actor=world["case_manager"], participant=other, categories=["status"],
            recipient_kind="prosecutor", recipient_agency=None, request_text="x", requested_on=clock.today(),
            decision="agreed", reason="asked", idempotency_key="r-shared",
        )  # fmt: skip
    assert refused.value.field == "idempotency_key"
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{other.pk}/consents/accounting/new/",
        {"requested_by_name": "P", "received_on": clock.today().isoformat(), "idempotency_key": "shared-key"},
    )
    assert response.status_code == 409  # a conflict, as everywhere (issue #16 item 3)
    assert "already used for another participant" in response.content.decode()
    assert AccountingRequest.objects.filter(participant=other).count() == 0

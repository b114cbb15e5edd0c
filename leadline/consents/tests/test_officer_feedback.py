"""The referring officer hears whether their referral engaged — only with the participant's opt-in,
only "engaged" / "not yet", and never anything else of the participant (PRODUCT.md §2, §4 rules 1, 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from leadline.audit.models import AuditEvent
from leadline.cases.services import case_note_add
from leadline.consents import services
from leadline.consents.models import Consent
from leadline.core import clock
from leadline.demo.testing import make_referral, verified_client
from leadline.participants.models import Participant
from leadline.participants.services import participant_create, participant_update
from leadline.referrals.models import Referral

MARKER = "ZZ-PLANTED-CASE-CONTENT"


@pytest.fixture
def referred(world):
    """Olivia's referral that became a participant on Carmen's caseload, pending intake, with case content."""
    carmen = world["case_manager"]
    person = participant_create(
        actor=carmen, given_name="Remy", family_name="Feedback", status="referred", case_manager=carmen
    )
    Participant.objects.filter(pk=person.pk).update(last_known_whereabouts=f"{MARKER} under the bridge")
    case_note_add(
        actor=carmen, participant=person, body=f"{MARKER} talked about treatment", sensitivity="general",
        idempotency_key="n1",
    )  # fmt: skip
    referral = make_referral(world["officer"], given_name="Remy", family_name="Feedback")
    Referral.objects.filter(pk=referral.pk).update(participant=person)
    world.person, world.remy = person, referral
    return world


def _outcome_seen(world, user=None) -> tuple[str, dict]:
    client = verified_client(user or world["officer"])
    page = client.get(f"/referrals/{world.remy.pk}/").content.decode()
    api = client.get(f"/api/v1/referrals/{world.remy.pk}/").json()
    return page, api


def _opt_in(world, **kw):
    return services.consent_record(
        actor=world["case_manager"], participant=world.person, kind="officer_feedback", method="verbal", **kw
    )


def test_without_the_opt_in_the_officer_learns_nothing_of_the_outcome(referred):
    page, api = _outcome_seen(referred)
    assert 'data-outcome="not_shared"' in page and api["outcome"] == "not_shared"
    assert not AuditEvent.objects.filter(subject_type="consent", action="view").exists()


def test_with_the_opt_in_the_officer_sees_not_yet_then_engaged_and_each_showing_is_audited(referred):
    consent, created = _opt_in(referred)
    assert created
    page, api = _outcome_seen(referred)
    assert 'data-outcome="not_yet_engaged"' in page and api["outcome"] == "not_yet_engaged"
    participant_update(
        actor=referred["case_manager"], participant=referred.person, reason="intake done", status="engaged"
    )
    page, api = _outcome_seen(referred)
    assert 'data-outcome="engaged"' in page and api["outcome"] == "engaged"
    listing = verified_client(referred["officer"]).get("/referrals/").content.decode()
    assert 'data-outcome="engaged"' in listing
    # Gone inactive later: they did engage, and that is all the officer hears.
    participant_update(
        actor=referred["case_manager"], participant=referred.person, reason="not seen", status="inactive"
    )
    assert _outcome_seen(referred)[1]["outcome"] == "engaged"
    shown = AuditEvent.objects.filter(subject_type="consent", action="view", subject_id=str(consent.pk))
    assert shown.count() >= 4 and all(e.participant_id == referred.person.pk for e in shown)
    assert all(e.actor_id == referred["officer"].pk for e in shown)


def test_the_officer_sees_no_case_content_even_with_the_opt_in(referred):
    _opt_in(referred)
    participant_update(
        actor=referred["case_manager"], participant=referred.person, reason="intake", status="active"
    )
    page, api = _outcome_seen(referred)
    listing = verified_client(referred["officer"]).get("/referrals/").content.decode()
    api_list = verified_client(referred["officer"]).get("/api/v1/referrals/").content.decode()
    for body in (page, str(api), listing, api_list):
        assert MARKER not in body
        assert "Active" not in body.replace("Inactive", "")  # not even the participant's status
    assert f"/participants/{referred.person.pk}/" not in page


def test_revoked_or_expired_consent_stops_the_outcome(referred):
    consent, _ = _opt_in(referred, expires_on=clock.today() + timedelta(days=30))
    assert _outcome_seen(referred)[1]["outcome"] == "not_yet_engaged"
    with time_machine.travel(clock.now() + timedelta(days=31), tick=False):
        assert _outcome_seen(referred)[1]["outcome"] == "not_shared"
    services.consent_revoke(
        actor=referred["case_manager"], consent=consent, note="Asked us to stop, by phone"
    )
    assert _outcome_seen(referred)[1]["outcome"] == "not_shared"
    consent.refresh_from_db()
    assert consent.revoked_by == referred["case_manager"] and consent.revocation_note


def test_only_the_referring_officer_hears_the_outcome(referred):
    _opt_in(referred)
    # The precinct liaison sees the referral (precinct scope), not the outcome: the opt-in names the referrer.
    page, api = _outcome_seen(referred, referred["police_liaison"])
    assert "data-outcome" not in page and api["outcome"] is None


def test_the_opt_in_is_recorded_once_with_actor_time_and_policy_version(referred):
    client = verified_client(referred["case_manager"])
    url = f"/participants/{referred.person.pk}/consents/"
    page = client.get(f"/participants/{referred.person.pk}/").content.decode()
    assert "data-consent-form" in page
    for _ in range(2):  # a double submit
        assert client.post(url, {"kind": "officer_feedback", "method": "verbal"}).status_code == 302
    consent = Consent.objects.get(participant=referred.person)
    assert consent.recorded_by == referred["case_manager"] and consent.policy_version is not None
    assert consent.wording_version and consent.recipient and consent.information
    event = AuditEvent.objects.get(subject_type="consent", action="create", subject_id=str(consent.pk))
    assert event.changes["policy_version"] == consent.policy_version.label
    page = client.get(f"/participants/{referred.person.pk}/").content.decode()
    assert 'data-consent-state="in-force"' in page and "data-consent-form" not in page


def test_bad_consent_input_names_the_field_and_writes_nothing(referred):
    client = verified_client(referred["case_manager"])
    url = f"/participants/{referred.person.pk}/consents/"
    response = client.post(url, {"kind": "officer_feedback", "method": "", "expires_on": "2001-01-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "How did the participant give it?" in body
    response = client.post(url, {"kind": "officer_feedback", "method": "verbal", "expires_on": "2001-01-01"})
    assert response.status_code == 400 and "The expiry date must be after today." in response.content.decode()
    consent, _ = _opt_in(referred)
    response = client.post(f"{url}{consent.pk}/revoke/", {"note": ""})
    assert response.status_code == 400
    assert not Consent.objects.filter(revoked_at__isnull=False).exists()
    assert Consent.objects.filter(participant=referred.person).count() == 1


@pytest.mark.parametrize("persona", ["officer", "prosecutor", "outreach_worker", "site_admin"])
def test_roles_outside_the_caseload_cannot_record_or_revoke(referred, persona):
    consent, _ = _opt_in(referred)
    client = verified_client(referred[persona])
    url = f"/participants/{referred.person.pk}/consents/"
    assert client.post(url, {"kind": "officer_feedback", "method": "verbal"}).status_code in (403, 404)
    assert client.post(f"{url}{consent.pk}/revoke/", {"note": "no"}).status_code in (403, 404)
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_another_case_managers_participant_is_out_of_reach(referred):
    with pytest.raises(services.ConsentRefused):
        services.consent_record(
            actor=referred.casey, participant=referred.person, kind="officer_feedback", method="verbal"
        )


def test_first_engagement_is_stamped_and_kept(referred):
    person = referred.person
    assert person.engaged_at is None
    participant_update(actor=referred["case_manager"], participant=person, reason="intake", status="engaged")
    first = Participant.objects.get(pk=person.pk).engaged_at
    assert first is not None
    participant_update(actor=referred["case_manager"], participant=person, reason="gone", status="inactive")
    participant_update(actor=referred["case_manager"], participant=person, reason="back", status="active")
    assert Participant.objects.get(pk=person.pk).engaged_at == first

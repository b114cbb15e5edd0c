"""Eligibility as versioned policy: every criterion is decided and recorded, with the version."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.demo.seed import DEMO_SITE_FILE
from leadline.referrals.eligibility import ARREST, SOCIAL, Facts, age_on, decide
from leadline.sites.models import PolicyVersion
from leadline.sites.services import site_import

ON = date(2026, 11, 28)


@pytest.fixture
def policy(db) -> PolicyVersion:
    site = site_import(actor=None, data=copy.deepcopy(DEMO_SITE_FILE))
    return site.policy_versions.get(label="2026.1")


def arrest(**kw: Any) -> Facts:
    base: dict[str, Any] = {
        "door": ARREST,
        "on": ON,
        "date_of_birth": date(1990, 1, 1),
        "statute": "PL 220.03",
        "drug_quantity_grams": Decimal("1.00"),
    }
    base.update(kw)
    return Facts(**base)


def social(**kw: Any) -> Facts:
    base: dict[str, Any] = {
        "door": SOCIAL,
        "on": ON,
        "date_of_birth": date(1990, 1, 1),
        "verification": "records",
        "verified_on": date(2026, 3, 1),
        "inside_catchment": True,
    }
    base.update(kw)
    return Facts(**base)


def failed(decision) -> set[str]:
    return {c.criterion for c in decision.reasons}


def test_an_eligible_arrest_diversion_records_every_criterion_as_met(policy):
    decision = decide(arrest(), policy)
    assert decision.eligible and decision.policy_label == "2026.1"
    criteria = {c.criterion for c in decision.checks}
    assert {"adult", "eligible_offence", "drug_quantity_cap"} <= criteria
    assert {f"exclusion:{e.code}" for e in policy.exclusions.all()} <= criteria  # absences recorded too


@pytest.mark.parametrize(
    ("facts", "reasons"),
    [
        (arrest(date_of_birth=date(2009, 12, 1)), {"adult"}),
        (arrest(date_of_birth=None, stated_age=None), {"adult"}),
        (arrest(date_of_birth=None, stated_age=17), {"adult"}),
        (arrest(statute="PL 160.15"), {"eligible_offence"}),
        (arrest(drug_quantity_grams=Decimal("3.01")), {"drug_quantity_cap"}),
        (arrest(drug_quantity_grams=None), {"drug_quantity_cap"}),
        (arrest(exclusions_flagged=frozenset({"exploits_minors"})), {"exclusion:exploits_minors"}),
        (
            arrest(
                statute="PL 160.15",
                date_of_birth=date(2010, 1, 1),
                exclusions_flagged=frozenset({"violent_history", "no_contact_order"}),
            ),
            {"eligible_offence", "adult", "exclusion:violent_history", "exclusion:no_contact_order"},
        ),
        (social(verification=""), {"verification"}),
        (social(verified_on=date(2024, 11, 27)), {"verification_recent"}),
        (social(verified_on=None), {"verification_recent"}),
        (social(inside_catchment=False), {"inside_catchment"}),
        (social(verified_on=date(2026, 12, 1)), {"verification_recent"}),  # in the future
    ],
)
def test_every_reason_is_reported_not_just_the_first(policy, facts, reasons):
    decision = decide(facts, policy)
    assert not decision.eligible
    assert failed(decision) == reasons


def test_the_cap_is_inclusive_and_applies_only_to_capped_offences(policy):
    assert decide(arrest(drug_quantity_grams=Decimal("3.00")), policy).eligible
    assert decide(arrest(statute="PL 230.00", drug_quantity_grams=None), policy).eligible


def test_the_lookback_is_24_months_to_the_day(policy):
    assert decide(social(verified_on=date(2024, 11, 28)), policy).eligible
    assert not decide(social(verified_on=date(2024, 11, 27)), policy).eligible


def test_age_is_counted_on_the_day_of_the_encounter():
    assert age_on(date(2008, 11, 28), date(2026, 11, 28)) == 18
    assert age_on(date(2008, 11, 29), date(2026, 11, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17  # leap-day birthday


def test_a_new_policy_version_decides_differently_and_says_so(policy):
    data = copy.deepcopy(DEMO_SITE_FILE)
    versions: list[dict[str, Any]] = data["policy_versions"]  # type: ignore[assignment]
    newer = copy.deepcopy(versions[0])
    newer.update(label="2027.1", effective_from="2027-01-01", minimum_age=21)
    versions.append(newer)
    site = site_import(actor=None, data=data)
    v2027 = site.policy_versions.get(label="2027.1")
    facts = arrest(date_of_birth=date(2007, 1, 1), on=date(2027, 6, 1))  # 20 years old
    assert decide(facts, policy).eligible
    later = decide(facts, v2027)
    assert not later.eligible and later.policy_label == "2027.1" and failed(later) == {"adult"}


# --- The aggrieved party (issue #15 item 11) -------------------------------------------------------

AGGRIEVED = ("none_present", "agrees", "declines")


def test_an_aggrieved_party_who_declines_makes_an_arrest_diversion_ineligible(policy):
    assert policy.aggrieved_party_agreement_required  # the default
    decision = decide(arrest(aggrieved_party="declines"), policy)
    assert not decision.eligible and failed(decision) == {"aggrieved_party"}
    for answer in ("none_present", "agrees"):
        decision = decide(arrest(aggrieved_party=answer), policy)
        assert decision.eligible
        assert "aggrieved_party" in {c.criterion for c in decision.checks}  # recorded as met too


def test_a_site_that_does_not_require_the_aggrieved_partys_agreement_records_nothing_against_it(policy):
    policy.aggrieved_party_agreement_required = False
    decision = decide(arrest(aggrieved_party="declines"), policy)
    assert decision.eligible
    assert "aggrieved_party" not in {c.criterion for c in decision.checks}


def test_the_reason_reads_in_every_language():
    from django.utils import translation

    from leadline.referrals.eligibility import criterion_label

    with translation.override("en"):
        english = criterion_label("aggrieved_party")
    with translation.override("es"):
        spanish = criterion_label("aggrieved_party")
    assert english == "The aggrieved party declined"
    assert spanish and spanish != english and spanish != "aggrieved_party"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    door=st.sampled_from([ARREST, SOCIAL]),
    aggrieved=st.sampled_from(AGGRIEVED),
    required=st.booleans(),
    age=st.integers(min_value=10, max_value=90),
    flagged=st.sets(st.sampled_from(["violent_history", "exploits_minors", "no_contact_order"])),
)
def test_a_decline_decides_exactly_the_aggrieved_party_criterion(
    policy, door, aggrieved, required, age, flagged
):
    """Whatever else is true, the aggrieved party's answer adds exactly one reason (a decline where the
    policy requires agreement) and changes no other criterion's result."""
    policy.aggrieved_party_agreement_required = required
    make = arrest if door == ARREST else social
    dob = date(ON.year - age, 1, 1)
    facts = make(date_of_birth=dob, aggrieved_party=aggrieved, exclusions_flagged=frozenset(flagged))
    baseline = make(date_of_birth=dob, aggrieved_party="none_present", exclusions_flagged=frozenset(flagged))
    decision, base = decide(facts, policy), decide(baseline, policy)
    blocks = required and aggrieved == "declines"
    assert failed(decision) == failed(base) | ({"aggrieved_party"} if blocks else set())
    if blocks:
        assert not decision.eligible
    else:
        assert decision.eligible == base.eligible


def test_a_declined_aggrieved_party_is_stored_as_a_reason_on_the_referral(world):
    import uuid

    from leadline.accounts.models import User
    from leadline.audit.models import AuditEvent
    from leadline.demo.testing import verified_client
    from leadline.referrals.models import EligibilityCheck, Referral
    from leadline.sites.models import EligibleOffence

    offence = EligibleOffence.objects.get(statute="PL 220.03", policy_version=world.referral.policy_version)
    form = {
        "door": "arrest_diversion", "given_name": "Rosa", "family_name": "Delgado",
        "date_of_birth": "1985-04-02", "offence": offence.pk, "drug_quantity_grams": "0.8",
        "person_agrees": "yes", "aggrieved_party": "declines", "idempotency_key": uuid.uuid4().hex,
    }  # fmt: skip
    client = verified_client(world["officer"])
    response = client.post("/referrals/new/", form)
    assert response.status_code == 302
    referral = Referral.objects.get(given_name="Rosa")
    assert referral.status == "ineligible"
    reasons = set(
        EligibilityCheck.objects.filter(referral=referral, passed=False).values_list("criterion", flat=True)
    )
    assert reasons == {"aggrieved_party"}
    event = AuditEvent.objects.get(subject_type="referral", subject_id=str(referral.pk), action="create")
    assert event.changes["ineligible_reasons"] == ["aggrieved_party"]
    page = client.get(response["Location"]).content.decode()
    assert "Not eligible: the aggrieved party declines diversion." in page  # the sentence (decision 0040)
    User.objects.filter(pk=world["officer"].pk).update(preferred_language="es")
    spanish = client.get(response["Location"]).content.decode()
    assert "Parte agraviada presente y no está de acuerdo" in spanish  # the facts, in the reader's language


def test_the_form_tells_the_officer_when_a_decline_ends_the_referral(world):
    from leadline.demo.testing import verified_client
    from leadline.sites.models import PolicyVersion

    client = verified_client(world["officer"])
    assert "data-aggrieved-hint" in client.get("/referrals/new/").content.decode()
    PolicyVersion.objects.update(aggrieved_party_agreement_required=False)
    assert "data-aggrieved-hint" not in client.get("/referrals/new/").content.decode()

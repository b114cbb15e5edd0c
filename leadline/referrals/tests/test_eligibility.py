"""Eligibility as versioned policy: every criterion is decided and recorded, with the version."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from leadline.core.demo import DEMO_SITE_FILE
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

"""Eligibility as versioned policy: a pure function of the facts and the policy version in force.

Every criterion is evaluated and reported, passed or not, so the record says not only *that* a person
was ineligible but every reason why (PRODUCT.md §1: "every ineligibility reason is recorded").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from leadline.sites.models import PolicyVersion

ARREST = "arrest_diversion"
SOCIAL = "social_contact"
COMMUNITY = "community"

# The officer's record of the aggrieved party (referrals.models.Referral.AggrievedParty).
AGGRIEVED_NONE_PRESENT = "none_present"
AGGRIEVED_DECLINES = "declines"

# What each criterion means when it is not met, as people read it (the stored `detail` stays the
# machine's English account of the facts; this is the reason in the reader's language).
CRITERION_LABELS: dict[str, Promise] = {
    "adult": _("Under the minimum age, or age unknown"),
    "eligible_offence": _("Not an eligible offence"),
    "drug_quantity_cap": _("Above the drug-quantity cap, or quantity not given"),
    "verification": _("Risk of arrest not verified"),
    "verification_recent": _("Verified activity not recent enough"),
    "inside_catchment": _("Outside the catchment area"),
    "aggrieved_party": _("The aggrieved party declined"),
}


@dataclass(frozen=True)
class Facts:
    door: str
    on: date  # the date of the encounter (site time zone)
    date_of_birth: date | None = None
    stated_age: int | None = None
    statute: str | None = None  # for arrest diversion
    drug_quantity_grams: Decimal | None = None
    exclusions_flagged: frozenset[str] = frozenset()
    verification: str = ""  # social contact
    verified_on: date | None = None
    inside_catchment: bool | None = None
    aggrieved_party: str = AGGRIEVED_NONE_PRESENT  # police doors: none present / agrees / declines


@dataclass(frozen=True)
class Check:
    criterion: str
    passed: bool
    detail: str = ""


@dataclass
class Decision:
    policy_label: str
    checks: list[Check] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


# The exclusions of the LEAD literature (PRODUCT.md §1) by their usual codes, in the reader's language; an
# exclusion a site adds reads with the site's own description (referrals/sentences.py has their sentences).
EXCLUSION_LABELS: dict[str, Promise] = {
    "dealing_above_subsistence": _("Dealing above subsistence level"),
    "exploits_minors": _("Exploiting minors"),
    "promoting_prostitution": _("Promoting prostitution"),
    "violent_history": _("Disqualifying violent history"),
    "pending_specialty_court": _("Pending drug or mental-health court case"),
    "no_contact_order": _("No-contact order with a current participant"),
}


def criterion_label(criterion: str, exclusions: dict[str, str] | None = None) -> str:
    """The reason a criterion was not met, in the active language, for a table of reasons: never the code
    (an exclusion by its usual label or the site's description; one no policy names, and a criterion of an
    older release, by what they are)."""
    if criterion.startswith("exclusion:"):
        code = criterion.split(":", 1)[1]
        description = EXCLUSION_LABELS.get(code) or (exclusions or {}).get(code)
        if description is None:
            return str(_("An exclusion that is not in this policy"))
        return str(_("Exclusion: %(description)s") % {"description": description})
    label = CRITERION_LABELS.get(criterion)
    return str(label) if label is not None else str(_("A criterion of an earlier policy"))


def age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def decide(facts: Facts, policy: PolicyVersion) -> Decision:
    decision = Decision(policy_label=policy.label)
    add = decision.checks.append

    # Adults only.
    age = age_on(facts.date_of_birth, facts.on) if facts.date_of_birth else facts.stated_age
    if age is None:
        add(Check("adult", False, "age unknown"))
    else:
        add(Check("adult", age >= policy.minimum_age, f"age {age}, minimum {policy.minimum_age}"))

    if facts.door == ARREST:
        offences = {o.statute: o for o in policy.offences.all()}
        offence = offences.get(facts.statute or "")
        add(
            Check(
                "eligible_offence",
                offence is not None,
                f"{facts.statute or 'none given'}" + ("" if offence else " is not an eligible offence"),
            )
        )
        if (
            offence is not None
            and offence.drug_quantity_cap_applies
            and policy.drug_quantity_cap_grams is not None
        ):
            qty = facts.drug_quantity_grams
            if qty is None:
                add(Check("drug_quantity_cap", False, "quantity not given"))
            else:
                cap = policy.drug_quantity_cap_grams
                add(Check("drug_quantity_cap", qty <= cap, f"{qty} g, cap {cap} g"))

    if facts.door == SOCIAL:
        add(
            Check("verification", bool(facts.verification), facts.verification or "how the risk was verified")
        )
        lookback = policy.social_contact_lookback_months
        if facts.verified_on is None:
            add(Check("verification_recent", False, "date of verified activity not given"))
        else:
            earliest = facts.on - relativedelta(months=lookback)
            recent = earliest <= facts.verified_on <= facts.on
            add(Check("verification_recent", recent, f"{facts.verified_on}, within {lookback} months"))
        add(
            Check(
                "inside_catchment",
                facts.inside_catchment is True,
                "inside the catchment area" if facts.inside_catchment else "not inside the catchment area",
            )
        )

    # The aggrieved party (PRODUCT.md §1: "if the person agrees, and any aggrieved party present agrees"):
    # a police door records the answer; where the site requires agreement, a decline is a reason like any
    # other. A community referral has no aggrieved party at the scene.
    if facts.door in (ARREST, SOCIAL) and policy.aggrieved_party_agreement_required:
        declined = facts.aggrieved_party == AGGRIEVED_DECLINES
        detail = facts.aggrieved_party.replace("_", " ")  # "declines" reads "declines"
        add(Check("aggrieved_party", not declined, detail))

    # Every exclusion in the policy is a criterion of its own, so its absence is recorded as well.
    for exclusion in policy.exclusions.all():
        flagged = exclusion.code in facts.exclusions_flagged
        add(Check(f"exclusion:{exclusion.code}", not flagged, exclusion.description))
    unknown = facts.exclusions_flagged - {e.code for e in policy.exclusions.all()}
    for code in sorted(unknown):
        add(Check(f"exclusion:{code}", False, "flagged, not in this policy version"))
    return decision

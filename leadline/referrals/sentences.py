"""Eligibility in plain words: every criterion's result, and the referral's result, as a sentence in the
reader's language ("Not eligible: there is a no-contact order with a current participant."), never a code.

The stored EligibilityCheck keeps its machine ``criterion`` (the equity analysis counts by it; the API gives
it as a code) and its ``detail`` (the English account of the facts at the time). What people read is built
here from the criterion, whether it passed, and the referral's facts under its policy version (decision 0040).

The exclusions a site's policy names are data. Those of the LEAD literature (PRODUCT.md §1) have sentences of
their own here; an exclusion a site adds reads with the site's own description; a code in no policy version
reads as "an exclusion not in this policy", never as the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.core import clock, display
from leadline.referrals.eligibility import AGGRIEVED_DECLINES, ARREST, SOCIAL, age_on
from leadline.referrals.models import Referral

EXCLUSION_PREFIX = "exclusion:"

# Exclusions of the LEAD literature: (clause when it applies, clause when it does not). A site may give the
# same code its own description; the sentence stays this one (the code is what the officer ticked).
KNOWN_EXCLUSIONS: dict[str, tuple[Promise, Promise]] = {
    "dealing_above_subsistence": (
        gettext_lazy("the person is dealing above subsistence level"),
        gettext_lazy("no dealing above subsistence level"),
    ),
    "exploits_minors": (
        gettext_lazy("the person exploits minors"),
        gettext_lazy("no exploitation of minors"),
    ),
    "promoting_prostitution": (
        gettext_lazy("the person promotes prostitution"),
        gettext_lazy("no promoting of prostitution"),
    ),
    "violent_history": (
        gettext_lazy("the person has a disqualifying violent history"),
        gettext_lazy("no disqualifying violent history"),
    ),
    "pending_specialty_court": (
        gettext_lazy("the person has a pending drug or mental-health court case"),
        gettext_lazy("no pending drug or mental-health court case"),
    ),
    "no_contact_order": (
        gettext_lazy("there is a no-contact order with a current participant"),
        gettext_lazy("no no-contact order with a current participant"),
    ),
}

# The criteria eligibility.decide() can emit besides the exclusions (a test walks them all).
CRITERIA = (
    "adult",
    "eligible_offence",
    "drug_quantity_cap",
    "verification",
    "verification_recent",
    "inside_catchment",
    "aggrieved_party",
)


@dataclass(frozen=True)
class PolicyExclusion:
    description: str
    lookback_years: int | None = None


@dataclass(frozen=True)
class SentenceFacts:
    """What a sentence may name: the referral's facts and the policy version that decided it."""

    door: str
    minimum_age: int = 18
    age: int | None = None
    statute: str = ""
    offence: str = ""  # the offence's description in the policy
    quantity_grams: Decimal | None = None
    cap_grams: Decimal | None = None
    verified_by: str = ""  # how the risk was verified, as people read it
    verified_on: date | None = None
    lookback_months: int = 24
    inside_catchment: bool | None = None
    aggrieved_party: str = ""
    exclusions: dict[str, PolicyExclusion] = field(default_factory=dict)


def facts_of(referral: Referral) -> SentenceFacts:
    """The sentence facts of a stored referral (its policy version's exclusions: prefetch them for a list)."""
    version = referral.policy_version
    age = None
    if referral.date_of_birth is not None:
        age = age_on(referral.date_of_birth, clock.local_date(referral.occurred_at))
    elif referral.stated_age is not None:
        age = referral.stated_age
    return SentenceFacts(
        door=referral.door,
        minimum_age=version.minimum_age,
        age=age,
        statute=referral.offence.statute if referral.offence else referral.offence_other,
        offence=referral.offence.description if referral.offence else "",
        quantity_grams=referral.drug_quantity_grams,
        cap_grams=version.drug_quantity_cap_grams,
        verified_by=str(referral.get_verification_display()) if referral.verification else "",
        verified_on=referral.verified_on,
        lookback_months=version.social_contact_lookback_months,
        inside_catchment=referral.inside_catchment,
        aggrieved_party=referral.aggrieved_party,
        exclusions={
            e.code: PolicyExclusion(e.description, e.lookback_years) for e in version.exclusions.all()
        },
    )


def _grams(value: Decimal | None) -> str:
    return display.number(value) if value is not None else ""


def clause(criterion: str, passed: bool, facts: SentenceFacts) -> str:
    """The result of one criterion as a clause ("the person is 35, at least the minimum age of 18")."""
    f = facts
    args: dict[str, object]
    if criterion == "adult":
        if f.age is None:
            return _("the person's age is not known (no date of birth or age was given)")
        args = {"age": f.age, "minimum": f.minimum_age}
        if passed:
            return _("the person is %(age)s, at least the minimum age of %(minimum)s") % args
        return _("the person is %(age)s, under the minimum age of %(minimum)s") % args
    if criterion == "eligible_offence":
        if passed:
            return _("%(offence)s (%(statute)s) is a LEAD offence") % {
                "offence": f.offence,
                "statute": f.statute,
            }
        if f.statute:
            return _("%(statute)s is not an eligible offence in this policy") % {"statute": f.statute}
        return _("no eligible offence was given")
    if criterion == "drug_quantity_cap":
        cap = _grams(f.cap_grams)
        if f.quantity_grams is None:
            return _("the drug quantity was not given, and this offence has a limit of %(cap)s g") % {
                "cap": cap
            }
        args = {"quantity": _grams(f.quantity_grams), "cap": cap}
        if passed:
            return _("%(quantity)s g of drugs is within the limit of %(cap)s g") % args
        return _("%(quantity)s g of drugs is over the limit of %(cap)s g") % args
    if criterion == "verification":
        if passed:
            return _("the risk of arrest was verified (%(how)s)") % {"how": f.verified_by}
        return _("the risk of arrest was not verified")
    if criterion == "verification_recent":
        if f.verified_on is None:
            return _("the date of the verified activity was not given")
        args = {"day": display.day(f.verified_on), "months": f.lookback_months}
        if passed:
            return _("the verified activity (%(day)s) is within the last %(months)s months") % args
        return _("the verified activity (%(day)s) is not within the last %(months)s months") % args
    if criterion == "inside_catchment":
        if passed:
            return _("the activity was inside the catchment area")
        if f.inside_catchment is None:
            return _("it is not known whether the activity was inside the catchment area")
        return _("the activity was outside the catchment area")
    if criterion == "aggrieved_party":
        if not passed or f.aggrieved_party == AGGRIEVED_DECLINES:
            return _("the aggrieved party declines diversion")
        if f.aggrieved_party == "agrees":
            return _("the aggrieved party agrees to diversion")
        return _("no aggrieved party was present")
    if criterion.startswith(EXCLUSION_PREFIX):
        return _exclusion_clause(criterion.removeprefix(EXCLUSION_PREFIX), passed, f)
    # A criterion this code does not know (an older release's row): say so without the code.
    if passed:
        return _("a criterion of an earlier policy was met")
    return _("a criterion of an earlier policy was not met")


def _exclusion_clause(code: str, passed: bool, f: SentenceFacts) -> str:
    in_policy = f.exclusions.get(code)
    known = KNOWN_EXCLUSIONS.get(code)
    if known is not None:
        text = str(known[0] if not passed else known[1])
        years = in_policy.lookback_years if in_policy else None
        if years:
            text = _("%(exclusion)s within the last %(years)s years") % {"exclusion": text, "years": years}
        return text
    if in_policy is not None:
        args = {"exclusion": in_policy.description}
        if passed:
            return _("this exclusion does not apply: %(exclusion)s") % args
        return _("this exclusion applies: %(exclusion)s") % args
    if passed:
        return _("an exclusion that is not in this policy does not apply")
    return _("an exclusion that is not in this policy was marked as applying")


def sentence(criterion: str, passed: bool, facts: SentenceFacts) -> str:
    """One criterion's result as a sentence: "Eligible: …." or "Not eligible: …."."""
    if passed:
        return _("Eligible: %(reason)s.") % {"reason": clause(criterion, True, facts)}
    return _("Not eligible: %(reason)s.") % {"reason": clause(criterion, False, facts)}


@dataclass(frozen=True)
class Result:
    """The referral's result for the person who reads it: one sentence, a tone, and what to do next."""

    sentence: str
    tone: str  # "eligible", "waiting" or "not-eligible": the result block's colour
    next_steps: list[str]
    social_door: bool = False  # offer the social-contact door (an arrest referral failed only on the offence)


OFFENCE_ONLY = {"eligible_offence", "drug_quantity_cap"}


def result_of(referral: Referral, checks: list, *, for_referrer: bool) -> Result:
    """The one sentence the page opens with, and — for the officer who referred — what they can do next."""
    facts = facts_of(referral)
    failed = [c for c in checks if not c.passed]
    status = referral.status
    steps: list[str] = []
    social_door = False
    review = _("If you think this is wrong, the program manager can review it: your referral is kept.")
    carry_on = (
        _("You can proceed as usual.") if referral.door == ARREST else _("No further action is needed.")
    )
    if status == Referral.Status.ELIGIBLE:
        tone = "eligible"
        if referral.override_reason:
            text = _("Eligible after review: the result was overridden, and the reason is on the record.")
        elif referral.door == ARREST:
            text = sentence("eligible_offence", True, facts)
        elif referral.door == SOCIAL:
            text = _(
                "Eligible: the risk of arrest was verified inside the catchment area within the last "
                "%(months)s months."
            ) % {"months": facts.lookback_months}
        else:
            text = _("Approved: the designated approver accepted this community referral.")
    elif status == Referral.Status.INELIGIBLE:
        tone = "not-eligible"
        text = _("Not eligible: %(reasons)s.") % {
            "reasons": "; ".join(clause(c.criterion, False, facts) for c in failed)
        }
        if for_referrer:
            steps.append(carry_on)
            declined = any(c.criterion == "aggrieved_party" for c in failed)
            if declined:
                steps.append(
                    _(
                        "The aggrieved party's agreement is a condition of diversion, so a review cannot "
                        "change this result. Your referral is kept."
                    )
                )
            else:
                if referral.door == ARREST and {c.criterion for c in failed} <= OFFENCE_ONLY:
                    social_door = True
                    steps.append(
                        _(
                            "If the person is at high risk of arrest for eligible conduct, you can refer "
                            "them through the social-contact door instead (no arrest)."
                        )
                    )
                steps.append(review)
    elif status == Referral.Status.DECLINED:
        tone = "not-eligible"
        text = _("Not referred: the person did not agree to LEAD.")
        if for_referrer:
            steps.append(carry_on)
            steps.append(
                _(
                    "If the person changes their mind, you can refer them again: the LEAD line can also be "
                    "called later."
                )
            )
    elif status == Referral.Status.WAITLISTED:
        tone = "waiting"
        text = _("Eligible, but the program is at capacity: the referral is on the waiting list.")
        if for_referrer:
            steps.append(
                _(
                    "No further action is needed: the program takes the referral up when a caseload has "
                    "room. Your referral is kept."
                )
            )
    elif status == Referral.Status.PENDING_APPROVAL:
        tone = "waiting"
        text = _("Waiting: the designated approver decides on this community referral.")
    else:  # NOT_APPROVED
        tone = "not-eligible"
        text = _("Not approved: the designated approver did not accept this community referral.")
    return Result(sentence=text, tone=tone, next_steps=steps, social_door=social_door)


def check_rows(referral: Referral, checks: list) -> list:
    """Every criterion's row with its sentence (``c.sentence``) in the reader's language."""
    facts = facts_of(referral)
    for c in checks:
        c.sentence = sentence(c.criterion, c.passed, facts)
    return checks

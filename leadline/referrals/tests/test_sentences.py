"""Eligibility in plain words (issue #17 item 5, decision 0040): every result a sentence, never a code; on the
page the officer sees after submitting, the result and the LEAD line come first."""

from __future__ import annotations

import copy
import itertools
import re
import uuid
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from leadline.demo.seed import DEMO_SITE_FILE
from leadline.demo.testing import make_referral, verified_client
from leadline.referrals import sentences
from leadline.referrals.eligibility import (
    AGGRIEVED_DECLINES,
    AGGRIEVED_NONE_PRESENT,
    ARREST,
    SOCIAL,
    Facts,
    criterion_label,
    decide,
)
from leadline.referrals.models import Referral
from leadline.referrals.sentences import PolicyExclusion, SentenceFacts, clause, sentence
from leadline.sites.models import EligibleOffence, Exclusion, PolicyVersion
from leadline.sites.services import site_import

ON = date(2026, 11, 28)
ELIGIBLE_OFFENCE = (
    "Eligible: Criminal possession of a controlled substance, 7th degree (PL 220.03) is a LEAD offence."
)
SITE_OWN = "gang_recruiting"  # an exclusion a site adds with its own words


@pytest.fixture
def policy(db) -> PolicyVersion:
    site = site_import(actor=None, data=copy.deepcopy(DEMO_SITE_FILE))
    version = site.policy_versions.get(label="2026.1")
    Exclusion.objects.create(policy_version=version, code=SITE_OWN, description="Recruiting for a gang")
    return PolicyVersion.objects.prefetch_related("offences", "exclusions").get(pk=version.pk)


def every_emitted(policy: PolicyVersion) -> set[tuple[str, bool]]:
    """Every (criterion, passed) eligibility.decide() emits, over facts that meet and fail each criterion."""
    codes = {e.code for e in policy.exclusions.all()}
    seen: set[tuple[str, bool]] = set()
    for door, dob, statute, grams, flagged, verification, verified_on, inside, aggrieved in itertools.product(
        [ARREST, SOCIAL],
        [date(1990, 1, 1), date(2015, 1, 1), None],
        ["PL 220.03", "PL 999.99", None],
        [Decimal("1.00"), Decimal("9.00"), None],
        [frozenset(), frozenset(codes | {"retired_code"})],
        ["records", ""],
        [date(2026, 3, 1), date(2020, 1, 1), None],
        [True, False, None],
        [AGGRIEVED_NONE_PRESENT, "agrees", AGGRIEVED_DECLINES],
    ):
        facts = Facts(
            door=door, on=ON, date_of_birth=dob, statute=statute, drug_quantity_grams=grams,
            exclusions_flagged=flagged, verification=verification, verified_on=verified_on,
            inside_catchment=inside, aggrieved_party=aggrieved,
        )  # fmt: skip
        seen |= {(c.criterion, c.passed) for c in decide(facts, policy).checks}
    return seen


def facts_for(policy: PolicyVersion, **kw: Any) -> SentenceFacts:
    base: dict[str, Any] = {
        "door": ARREST, "age": 36, "statute": "PL 220.03",
        "offence": "Criminal possession of a controlled substance, 7th degree",
        "quantity_grams": Decimal("1.20"), "cap_grams": Decimal("3.00"), "verified_by": "Police records",
        "verified_on": date(2026, 3, 1), "lookback_months": 24, "inside_catchment": True,
        "aggrieved_party": AGGRIEVED_NONE_PRESENT,
        "exclusions": {e.code: PolicyExclusion(e.description, e.lookback_years)
                       for e in policy.exclusions.all()},
    }  # fmt: skip
    base.update(kw)
    return SentenceFacts(**base)


def test_every_result_the_evaluator_can_emit_has_a_sentence_and_no_code(policy):
    emitted = every_emitted(policy)
    criteria = {c for c, _passed in emitted}
    # Every criterion and every exclusion of the policy was reached, met and not met.
    expected = set(sentences.CRITERIA) | {f"exclusion:{e.code}" for e in policy.exclusions.all()}
    assert expected <= criteria
    for criterion in expected - {"aggrieved_party"}:
        assert {(criterion, True), (criterion, False)} <= emitted, criterion
    assert ("exclusion:retired_code", False) in emitted  # flagged, though not in this policy version
    facts = facts_for(policy)
    for language in ("en", "es"):
        _every_sentence(emitted, facts, language)


def _every_sentence(emitted: set[tuple[str, bool]], facts: SentenceFacts, language: str) -> None:
    with translation.override(language):
        fallback = {clause("a-criterion-no-release-has", p, facts) for p in (True, False)}
        for criterion, passed in sorted(emitted):
            text = sentence(criterion, passed, facts)
            # A criterion decide() emits that this module does not know would read as the fallback.
            assert clause(criterion, passed, facts) not in fallback, criterion
            assert criterion not in text and "exclusion:" not in text and "_" not in text, text
            code = criterion.removeprefix("exclusion:")
            assert code not in text, text
            if language == "en":
                assert text.startswith("Eligible: " if passed else "Not eligible: "), text
                assert text.endswith("."), text
            # A short label for the tables of reasons, never the code either.
            assert "_" not in criterion_label(criterion) and code not in criterion_label(criterion)


def test_the_sentences_say_what_happened(policy):
    f = facts_for(policy)
    with translation.override("en"):
        assert sentence("exclusion:no_contact_order", False, f) == (
            "Not eligible: there is a no-contact order with a current participant."
        )
        assert sentence("eligible_offence", True, f) == ELIGIBLE_OFFENCE
        over = facts_for(policy, quantity_grams=Decimal("4.50"))
        assert (
            sentence("drug_quantity_cap", False, over)
            == "Not eligible: 4.5 g of drugs is over the limit of 3 g."
        )
        assert sentence("verification_recent", False, facts_for(policy, verified_on=date(2020, 1, 1))) == (
            "Not eligible: the verified activity (Jan. 1, 2020) is not within the last 24 months."
        )
        assert sentence("inside_catchment", False, facts_for(policy, inside_catchment=False)) == (
            "Not eligible: the activity was outside the catchment area."
        )
        assert sentence("aggrieved_party", False, facts_for(policy, aggrieved_party=AGGRIEVED_DECLINES)) == (
            "Not eligible: the aggrieved party declines diversion."
        )
        assert sentence("adult", False, facts_for(policy, age=16)) == (
            "Not eligible: the person is 16, under the minimum age of 18."
        )
        # The site's lookback on a history exclusion is part of the sentence.
        assert sentence("exclusion:violent_history", False, f) == (
            "Not eligible: the person has a disqualifying violent history within the last 10 years."
        )
        # An exclusion the site added reads with the site's own words.
        assert sentence(f"exclusion:{SITE_OWN}", False, f) == (
            "Not eligible: this exclusion applies: Recruiting for a gang."
        )
    with translation.override("es"):  # numbers and days in the reader's language
        assert "4,5 g" in sentence(
            "drug_quantity_cap", False, facts_for(policy, quantity_grams=Decimal("4.50"))
        )
        assert "1 de enero de 2020" in sentence(
            "verification_recent", False, facts_for(policy, verified_on=date(2020, 1, 1))
        )


def _officer_result(world, **overrides: Any) -> tuple[Referral, sentences.Result]:
    referral = make_referral(world["officer"], **overrides)
    checks = list(referral.checks.all())
    return referral, sentences.result_of(referral, checks, for_referrer=True)


def test_each_door_and_reason_tells_the_officer_what_to_do_next(world):
    _r, offence = _officer_result(world, drug_quantity_grams=Decimal("9.00"))
    assert offence.sentence == "Not eligible: 9 g of drugs is over the limit of 3 g."
    assert offence.social_door and offence.next_steps[0] == "You can proceed as usual."
    assert any("program manager can review it" in s for s in offence.next_steps)

    _r, minor = _officer_result(world, date_of_birth=date(2012, 1, 1))
    assert not minor.social_door  # a minor is not eligible through any door
    assert any("program manager can review it" in s for s in minor.next_steps)

    _r, aggrieved = _officer_result(world, aggrieved_party=AGGRIEVED_DECLINES)
    assert not any("program manager can review" in s for s in aggrieved.next_steps)
    assert any("a review cannot change this result" in s for s in aggrieved.next_steps)

    _r, declined = _officer_result(world, person_agrees=False)
    assert declined.sentence == "Not referred: the person did not agree to LEAD."
    assert declined.next_steps and not declined.social_door

    _r, eligible = _officer_result(world)
    assert eligible.tone == "eligible" and eligible.next_steps == []
    assert eligible.sentence.startswith("Eligible: Criminal possession of a controlled substance")

    social, result = _officer_result(
        world, door=SOCIAL, offence=None, drug_quantity_grams=None, verification="records",
        verified_on=date(2020, 1, 1), inside_catchment=True,
    )  # fmt: skip
    assert social.status == Referral.Status.INELIGIBLE
    assert result.next_steps[0] == "No further action is needed."  # no arrest to proceed with
    # Someone else reading the referral gets the sentence, not the officer's next steps.
    other = sentences.result_of(social, list(social.checks.all()), for_referrer=False)
    assert other.sentence == result.sentence and other.next_steps == []


def test_a_full_program_puts_a_social_contact_referral_on_the_waiting_list(world, monkeypatch):
    from leadline.referrals.services import referrals as referral_services

    monkeypatch.setattr(referral_services, "program_has_capacity", lambda *, site: False)
    _r, result = _officer_result(
        world, door=SOCIAL, offence=None, drug_quantity_grams=None, verification="records",
        verified_on=date(2026, 1, 1), inside_catchment=True, occurred_at=_r_now(),
    )  # fmt: skip
    assert result.tone == "waiting"
    assert result.sentence == "Eligible, but the program is at capacity: the referral is on the waiting list."
    assert "when a caseload has room" in result.next_steps[0]


def _r_now():
    from leadline.core import clock

    return clock.now()


class _Text(HTMLParser):
    """The text a person reads inside <main> (attributes and scripts left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "main":
            self.inside += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.inside -= 1

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _submit(client, world, **form: Any):
    offence = EligibleOffence.objects.get(statute="PL 220.03", policy_version=world.referral.policy_version)
    data = {
        "door": "arrest_diversion", "given_name": "Rosa", "family_name": "Delgado",
        "date_of_birth": "1985-04-02", "offence": offence.pk, "drug_quantity_grams": "0.8",
        "person_agrees": "yes", "aggrieved_party": "none_present", "idempotency_key": uuid.uuid4().hex,
    }  # fmt: skip
    data.update(form)
    response = client.post("/referrals/new/", data)
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def test_after_submitting_the_officer_reads_the_result_and_the_lead_line_first(world):
    client = verified_client(world["officer"])
    page = _submit(client, world)
    sentence_at = page.index("data-result-sentence")
    assert ELIGIBLE_OFFENCE in page
    call_at = page.index(">Call the LEAD line</button>")
    phone_at = page.index('href="tel:+1 585 555 0100"')
    # The result, then the call: before the name, the facts and the criteria.
    assert (
        page.index("<main")
        < sentence_at
        < call_at
        < phone_at
        < page.index("<h1")
        < page.index('class="checks"')
    )
    assert page.count("Call the LEAD line</button>") == 1  # one request form on the page


def test_an_ineligible_result_says_what_the_officer_can_do_next_before_anything_else(world):
    client = verified_client(world["officer"])
    page = _submit(client, world, exclusions_flagged=["no_contact_order"], given_name="Ines")
    assert "Not eligible: there is a no-contact order with a current participant." in page
    steps_at = page.index("data-next-steps")
    assert page.index("data-result-sentence") < steps_at < page.index("<h1")
    assert "You can proceed as usual." in page and "the program manager can review it" in page
    assert "Call the LEAD line</button>" not in page
    text = _text(page)
    assert "exclusion:" not in text and "no_contact_order" not in text and "_" not in text

    page = _submit(client, world, drug_quantity_grams="9", given_name="Ivo")
    assert 'href="/referrals/new/?door=social_contact"' in page
    form = client.get("/referrals/new/?door=social_contact").content.decode()
    assert re.search(r'<input[^>]*value="social_contact"[^>]*checked', form)


def test_the_police_dashboard_names_reasons_not_codes(world):
    page = verified_client(world["police_liaison"]).get("/referrals/dashboard/").content.decode()
    assert "Exclusion: Disqualifying violent history" in page
    assert "exclusion:violent_history" not in _text(page)


def test_the_api_keeps_the_code_and_adds_the_reason_in_the_readers_language(world):
    from leadline.demo.testing import verified_client as client_for

    client = client_for(world["officer"])
    body = client.get("/api/v1/referrals/", HTTP_ACCEPT_LANGUAGE="en").json()
    rows = {c["criterion"]: c for r in body["results"] if r["id"] == world.referral.pk for c in r["checks"]}
    assert rows["exclusion:violent_history"]["passed"] is False
    assert rows["exclusion:violent_history"]["reason"] == (
        "Not eligible: the person has a disqualifying violent history within the last 10 years."
    )


def test_no_template_shows_a_criterion_code_to_people():
    """A criterion's code may sit in an attribute (data-criterion) for tests and scripts, never in text."""
    root = Path(__file__).resolve().parents[2] / "templates"
    shown = []
    for path in root.rglob("*.html"):
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            for m in re.finditer(r"\{\{\s*[\w.]*criterion\s*[|}]", line):
                if not re.search(r'[\w-]+="[^"]*$', line[: m.start()]):  # not inside an attribute's quotes
                    shown.append(f"{path.relative_to(root)}:{line_no}")
            if "exclusion:" in line:
                shown.append(f"{path.relative_to(root)}:{line_no}")
    assert shown == []

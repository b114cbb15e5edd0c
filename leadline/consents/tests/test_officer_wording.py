"""Issue #15 item 20: what a referring officer reads about a participant under the officer-feedback opt-in
is exactly what the consent names, in the words the participant was read and signed.

The test collects every officer-facing phrase about the participant (the referral page, the referrals
list, the workgroup agenda item as a page and as item_views, and the API's values) in every language,
for every answer (engaged or not yet, housed or not yet), and finds each one, verbatim, in the signed
consent's stored text in that language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import translation

from leadline.accounts.models import User
from leadline.cases.models import MonthlyStatus
from leadline.consents import services
from leadline.consents.models import Consent
from leadline.consents.policy import Info
from leadline.consents.wording import FEEDBACK_VALUES, feedback_phrases
from leadline.core import clock
from leadline.demo.testing import verified_client
from leadline.participants.models import Participant
from leadline.referrals.models import Referral
from leadline.workgroup import agenda
from leadline.workgroup import services as wg_services
from leadline.workgroup.models import Meeting

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
SPAN = re.compile(r'<span class="outcome[^"]*" data-(?:outcome|housed)="[^"]*">(.*?)</span>')
LINE = re.compile(r"<span data-line>(.*?)</span>")


def _opt_in(world, language: str) -> Consent:
    """``mine`` (in ``language``) opts in to engagement and housing for Olivia, who referred them."""
    Participant.objects.filter(pk=world.mine.pk).update(language=language)
    world.mine.refresh_from_db()
    services.consent_revoke(actor=world["case_manager"], consent=world.consent, note="New terms")
    consent, _created = services.consent_record(
        actor=world["case_manager"], participant=world.mine, kind="officer_feedback", method="verbal",
        categories=(Info.ENGAGEMENT, Info.HOUSED),
    )  # fmt: skip
    assert consent.language == language
    return consent


def _meeting(world) -> Meeting:
    Meeting.objects.all().delete()
    for persona in ("officer", "program_manager"):
        wg_services.member_add(actor=world["program_manager"], user=world[persona])
    start = clock.now() + timedelta(days=1)
    meeting = wg_services.meeting_schedule(
        actor=world["program_manager"], starts_at=start, ends_at=start + timedelta(hours=1),
        place="Room 204", idempotency_key="wording",
    )  # fmt: skip
    agenda.agenda_build(actor=world["program_manager"], meeting=meeting)
    return meeting


def _what_the_officer_reads(
    world, referral: Referral, meeting: Meeting, language: str, *, housing_named: bool = True
) -> set[str]:
    officer = world["officer"]
    User.objects.filter(pk=officer.pk).update(preferred_language=language)
    client = verified_client(officer)
    read: set[str] = set()
    for path in (f"/referrals/{referral.pk}/", "/referrals/"):
        page = client.get(path).content.decode()
        read |= set(SPAN.findall(page))
    meeting_page = client.get(f"/workgroup/meetings/{meeting.pk}/").content.decode()
    read |= set(LINE.findall(meeting_page))
    officer.refresh_from_db()
    with translation.override(language):
        for view in agenda.item_views(officer, meeting).items:
            read |= {str(line) for line in view.lines}
    # The API carries machine values only: each stands for one of the consent's answers.
    api = client.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert api["outcome"] in FEEDBACK_VALUES[Info.ENGAGEMENT].values()
    if housing_named:
        assert api["housed"] in FEEDBACK_VALUES[Info.HOUSED].values()
    else:
        assert api["housed"] is None
    return read


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("engaged", [True, False])
@pytest.mark.parametrize("housed", [True, False])
def test_every_phrase_an_officer_reads_is_printed_in_the_signed_consent(world, language, engaged, housed):
    Referral.objects.filter(pk=world.referral.pk).update(participant=world.mine)
    Participant.objects.filter(pk=world.mine.pk).update(engaged_at=clock.now() if engaged else None)
    MonthlyStatus.objects.create(
        participant=world.mine, month=clock.today().replace(day=1),
        housing="permanent" if housed else "unsheltered", employed="no", income_or_benefits="yes",
        recorded_by=world["case_manager"], recorded_at=clock.now(),
    )  # fmt: skip
    consent = _opt_in(world, language)
    meeting = _meeting(world)
    read = _what_the_officer_reads(world, world.referral, meeting, language)
    signed = consent.form_text
    assert len(read) == 2, read  # one engagement answer and one housing answer, nothing more
    for phrase in read:
        assert f"“{phrase}”" in signed, (language, phrase, signed)
    with translation.override(language):
        allowed = set(feedback_phrases(consent.categories))
    assert read <= allowed


def test_without_housing_in_the_opt_in_the_officer_reads_no_housing_phrase(world):
    Referral.objects.filter(pk=world.referral.pk).update(participant=world.mine)
    MonthlyStatus.objects.create(
        participant=world.mine, month=clock.today().replace(day=1), housing="permanent", employed="no",
        income_or_benefits="yes", recorded_by=world["case_manager"], recorded_at=clock.now(),
    )  # fmt: skip
    assert list(world.consent.categories) == [Info.ENGAGEMENT]
    meeting = _meeting(world)
    read = _what_the_officer_reads(world, world.referral, meeting, "en", housing_named=False)
    assert read and all(phrase.startswith("Engaged with LEAD: ") for phrase in read)
    assert all(f"“{phrase}”" in world.consent.form_text for phrase in read)

"""The no-file-on-intake rule (issue #15 item 12; the Seattle model, used in Santa Fe and Clackamas; decisions
0017/0018): the prosecutor does not file when the person completes the LEAD intake within the site's window
(7 to 30 days). Tested as the expunge-after-participation rule is in test_legal.py: the matter it opens, the
notice it makes at the deadline (once, however often the task runs), the not-met path, the seal, and a
property over any intake moment and any sequence of runs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from leadline.audit.models import AuditEvent
from leadline.cases.models import Contact
from leadline.cases.services import intake_save
from leadline.demo.testing import verified_client
from leadline.legal import clock as legal_clock
from leadline.legal.models import LegalMatter, Notice
from leadline.legal.services import matter_open, matters_resolve_due, notice_confirm
from leadline.legal.tasks import legal_sweep
from leadline.sites.models import Site

pytestmark = pytest.mark.django_db

WINDOW = 14


@pytest.fixture
def no_file(world) -> LegalMatter:
    """The site follows the no-file rule with a 14-day window; ``eligible``'s hand-off opens the matter
    under it (the world's own matter, opened under the demo's expunge rule, is set aside first)."""
    Site.objects.update(legal_mode=Site.LegalMode.NO_FILE_ON_INTAKE, no_file_window_days=WINDOW)
    LegalMatter.objects.filter(pk=world.matter.pk).delete()
    return matter_open(actor=world["case_manager"], referral=world.eligible, participant=world.mine)


def _complete_intake(world) -> None:
    intake_save(actor=world["case_manager"], participant=world.mine,
                answers={"housing": (False, "Staying with a cousin")}, expected_version=None,
                complete=True)  # fmt: skip


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _at(matter: LegalMatter, delta: timedelta):
    return time_machine.travel(matter.deadline_at + delta, tick=False)


def test_the_hand_off_opens_a_matter_with_the_no_file_rule_and_window(world, no_file):
    site = Site.objects.get()
    assert no_file.mode == "no_file_on_intake"
    assert (no_file.window_days, no_file.contacts_needed, no_file.state) == (WINDOW, 0, "held")
    assert no_file.deadline_at == legal_clock.deadline(world.eligible.occurred_at, WINDOW, site.time_zone)
    event = AuditEvent.objects.filter(subject_type="legal_matter", subject_id=str(no_file.pk)).get()
    assert event.changes["mode"] == "no_file_on_intake" and event.changes["window_days"] == WINDOW


def test_a_later_change_of_rule_or_window_moves_no_deadline_already_given(world, no_file):
    Site.objects.update(legal_mode=Site.LegalMode.EXPUNGE_AFTER_PARTICIPATION, no_file_window_days=30)
    no_file.refresh_from_db()
    assert (no_file.mode, no_file.window_days) == ("no_file_on_intake", WINDOW)


def test_intake_in_the_window_makes_one_do_not_file_notice_without_any_contact(world, no_file):
    _complete_intake(world)
    assert not Contact.objects.filter(participant=world.mine).exists()  # intake alone meets this rule
    with _at(no_file, timedelta(minutes=1)):
        assert matters_resolve_due() == 1
        assert matters_resolve_due() == 0
        assert legal_sweep.call() == {"resolved": 0, "purged": 0, "reminded": 0}
    no_file.refresh_from_db()
    assert no_file.state == "clearance_sent"
    notice = Notice.objects.get(matter=no_file)
    assert notice.kind == "do_not_file" and notice.is_clearance and notice.cycle == 1
    assert notice.pdf is not None
    text = _pdf_text(bytes(notice.pdf))
    assert "Do not file" in text or "do not file" in text
    assert f"no filing if the LEAD intake is completed within {WINDOW} days" in text
    assert "Request: do not file charges for this incident." in text and notice.reference in text
    assert "xpunge" not in text  # the other rule's words never appear
    assert "cousin" not in text  # the rule and the outcome only, never the intake's content


def test_no_intake_by_the_deadline_returns_the_matter(world, no_file):
    with _at(no_file, timedelta(minutes=1)):
        assert matters_resolve_due() == 1
    notice = Notice.objects.get(matter=no_file)
    assert notice.kind == "return"
    no_file.refresh_from_db()
    assert no_file.state == "return_sent"


def test_an_intake_started_but_not_completed_does_not_meet_the_rule(world, no_file):
    intake_save(actor=world["case_manager"], participant=world.mine,
                answers={"housing": (False, "Draft")}, expected_version=None, complete=False)  # fmt: skip
    with _at(no_file, timedelta(minutes=1)):
        matters_resolve_due()
    assert Notice.objects.get(matter=no_file).kind == "return"


def test_an_intake_completed_after_the_deadline_does_not_count_on_a_late_run(world, no_file):
    with _at(no_file, timedelta(hours=2)):
        _complete_intake(world)  # after the window closed, before the task ran
        matters_resolve_due()
    assert Notice.objects.get(matter=no_file).kind == "return"


def test_an_intake_on_the_last_local_day_counts(world, no_file):
    with _at(no_file, -timedelta(minutes=1)):  # 23:59 on the last day, in the site's zone
        _complete_intake(world)
        assert matters_resolve_due() == 0  # the window has not run out yet
    with _at(no_file, timedelta(0)):
        assert matters_resolve_due() == 1
    assert Notice.objects.get(matter=no_file).kind == "do_not_file"


def test_the_prosecutor_confirms_the_do_not_file_notice_and_the_matter_is_sealed(world, no_file):
    _complete_intake(world)
    with _at(no_file, timedelta(minutes=1)):
        matters_resolve_due()
    notice = Notice.objects.get(matter=no_file)
    notice_confirm(actor=world["prosecutor"], notice_id=notice.pk)
    no_file.refresh_from_db()
    assert no_file.state == "cleared" and no_file.sealed_at is not None
    for persona in ("prosecutor", "defender"):
        client = verified_client(world[persona])
        assert client.get(f"/legal/{no_file.pk}/").status_code == 404
        assert client.get(f"/legal/notices/{notice.pk}/pdf/").status_code == 404
        ids = [m["id"] for m in client.get("/api/v1/legal-matters/").json()["results"]]
        assert no_file.pk not in ids
    officer = verified_client(world["officer"])
    assert officer.get(f"/referrals/{world.eligible.pk}/").status_code == 404


def test_the_case_manager_reads_the_no_file_countdown(world, no_file):
    page = verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/").content.decode()
    assert 'data-section="legal-clock"' in page and f'data-clock="{WINDOW}"' in page


@pytest.mark.parametrize(("days", "ok"), [(6, False), (7, True), (30, True), (31, False)])
def test_the_no_file_window_is_seven_to_thirty_days(days, ok):
    site = Site(name="Santa Fe", legal_mode="no_file_on_intake", no_file_window_days=days, languages=["en"])
    if ok:
        site.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            site.full_clean()
        assert "no_file_window_days" in refused.value.message_dict


def test_an_intake_completed_before_the_incident_does_not_count(world):
    """A re-engaged person's old intake (completed 400 days before this incident) is not this incident's
    intake: the matter is returned, not a do-not-file notice. Contacts are bounded the same way."""
    Site.objects.update(legal_mode=Site.LegalMode.NO_FILE_ON_INTAKE, no_file_window_days=WINDOW)
    LegalMatter.objects.filter(pk=world.matter.pk).delete()
    with time_machine.travel(world.eligible.occurred_at - timedelta(days=400), tick=False):
        _complete_intake(world)
    matter = matter_open(actor=world["case_manager"], referral=world.eligible, participant=world.mine)
    with _at(matter, timedelta(minutes=1)):
        assert matters_resolve_due() == 1
    assert Notice.objects.get(matter=matter).kind == "return"


# Intakes are drawn from well before the incident (a re-engaged person's old intake) to after the deadline.
EARLIEST_INTAKE_HOURS = -(WINDOW + 30) * 24


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    intake_hours=st.one_of(st.none(), st.integers(min_value=EARLIEST_INTAKE_HOURS, max_value=72)),
    runs=st.lists(st.integers(min_value=-48, max_value=30 * 24), min_size=1, max_size=5),
)
def test_any_intake_moment_and_any_runs_make_one_notice_of_the_kind_the_rule_decides(
    world, no_file, intake_hours, runs
):
    """``intake_hours``: when the intake is completed, in hours from the deadline (None: never). Runs
    (hours from the deadline) before it do nothing; any number after make exactly one notice: do-not-file
    when the intake was completed in the window (from a day before the incident, as contacts are counted,
    to the deadline), return otherwise."""
    Notice.objects.filter(matter=no_file).delete()
    LegalMatter.objects.filter(pk=no_file.pk).update(state="held", cycle=1)
    from leadline.cases.models import Intake

    Intake.objects.filter(participant=world.mine).delete()
    no_file.refresh_from_db()
    events = sorted(
        [(h, "run") for h in runs] + ([(intake_hours, "intake")] if intake_hours is not None else []),
        key=lambda e: (e[0], e[1] == "run"),  # at the same hour the intake comes first
    )
    for hours, what in events:
        with _at(no_file, timedelta(hours=hours, minutes=1 if what == "run" else 0)):
            if what == "intake":
                _complete_intake(world)
            else:
                matters_resolve_due()
    ran_after = any(h >= 0 for h in runs)
    notices = list(Notice.objects.filter(matter=no_file))
    assert len(notices) == (1 if ran_after else 0)
    if ran_after:
        intake_at = no_file.deadline_at + timedelta(hours=intake_hours) if intake_hours is not None else None
        opens = no_file.incident_at - timedelta(days=1)
        met = intake_at is not None and opens <= intake_at < no_file.deadline_at
        assert notices[0].kind == ("do_not_file" if met else "return")
        no_file.refresh_from_db()
        assert no_file.state == ("clearance_sent" if met else "return_sent")

"""The demo tells one story (issue #17, item 8): a newcomer signing in as any role finds months of work,
not empty pages — and every part of it was written by the services, as of its own day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from leadline.accounts.models import User
from leadline.cases.models import Contact, Intake, MonthlyStatus
from leadline.core import clock
from leadline.demo.seed import seed_demo
from leadline.demo.testing import verified_client
from leadline.directory.models import ServiceReferral
from leadline.evaluation.models import EvaluationRun
from leadline.legal.models import LegalMatter, Notice
from leadline.participants.models import Participant
from leadline.referrals.models import Handoff, Referral
from leadline.sites.models import Site
from leadline.workgroup.pack import last_full_quarter, pack_data

pytestmark = pytest.mark.django_db


def test_the_demo_tells_one_story():
    """One seeding (it takes seconds), each part of the story checked by its own function below."""
    seed_demo()
    demo = {u.username: u for u in User.objects.all()}
    caseloads_live_through_the_weeks()
    referrals_fill_the_quarter_from_every_door_and_several_precincts()
    a_clearance_notice_waits_for_the_prosecutor_today(demo)
    the_evaluation_headline_shows_fewer_re_arrests_with_sensible_intervals()


def caseloads_live_through_the_weeks() -> None:
    now, today = clock.now(), clock.today()
    assert Site.objects.get().is_demo

    # Contacts over the last twelve weeks: someone was reached in every one of them.
    reached = list(Contact.objects.filter(reached=True).values_list("occurred_at", flat=True))
    for week in range(12):
        assert any(
            now - timedelta(days=7 * (week + 1)) < t <= now - timedelta(days=7 * week) for t in reached
        ), f"nobody was reached {week} weeks ago"
    # Everyone past referral has done their intake and was reached at least once; some not for two weeks,
    # so the case managers' "not reached in 14 days" has something in it.
    past_referral = Participant.objects.filter(status__in=["engaged", "active", "inactive"])
    assert past_referral.count() >= 20
    for p in past_referral:
        assert Intake.objects.filter(participant=p, completed_at__isnull=False).exists(), p
        assert p.last_reached_at is not None, p
    assert past_referral.filter(last_reached_at__lt=now - timedelta(days=14)).exists()
    # Intakes still due on a caseload, and people waiting for a case manager.
    assert Participant.objects.filter(status="referred", case_manager__isnull=False).exists()
    assert Participant.objects.filter(status="referred", case_manager__isnull=True).exists()
    # Monthly status for past months: everyone active since before this month has one recorded.
    this_month = today.replace(day=1)
    for p in Participant.objects.filter(status="active", engaged_at__date__lt=this_month - timedelta(days=1)):
        assert MonthlyStatus.objects.filter(participant=p, month__lt=this_month).exists(), p
    # The status changes are history, not a seed's shortcut: engaged by the intake, then active.
    active = Participant.objects.filter(status="active").exclude(given_name="Tanya").first()
    assert active is not None
    assert list(active.status_changes.order_by("changed_at").values_list("to_status", flat=True))[:2] == [
        "engaged",
        "active",
    ]


def referrals_fill_the_quarter_from_every_door_and_several_precincts() -> None:
    today = clock.today()
    referrals = Referral.objects.all()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    months = {clock.local_date(r.created_at).replace(day=1) for r in referrals}
    month = quarter_start
    while month <= today:
        assert month in months, f"no referral in {month:%Y-%m}"
        month = (month + timedelta(days=32)).replace(day=1)
    assert {"arrest_diversion", "social_contact", "community"} <= set(
        referrals.values_list("door", flat=True)
    )
    assert {"eligible", "ineligible", "declined", "pending_approval", "not_approved"} <= set(
        referrals.values_list("status", flat=True)
    )
    assert referrals.values("precinct").distinct().exclude(precinct=None).count() >= 4
    # The policy pack's default period (the last full quarter) shows a total, not a suppressed cell.
    start, end = last_full_quarter(today)
    assert not pack_data(start, end)["referrals"]["total"].hidden

    # A community referral waits for the designated approver; an approved one waits for a case manager.
    assert referrals.filter(door="community", status="pending_approval").exists()
    waiting = referrals.filter(
        door="community", status="eligible", approval_by__isnull=False, participant=None
    )
    assert waiting.exists()
    assert not Handoff.objects.filter(referral__in=waiting).exists()
    # Hand-offs with their minutes, for the dashboards.
    minutes = [h.minutes_to_handoff for h in Handoff.objects.filter(arrived_at__isnull=False)]
    assert any(m and m > 5 for m in minutes)
    # A service referral waits for the provider; another was answered.
    assert ServiceReferral.objects.filter(status="requested", answered_at=None).exists()
    assert ServiceReferral.objects.filter(status="accepted", answered_at__isnull=False).exists()


def a_clearance_notice_waits_for_the_prosecutor_today(demo: dict[str, User]) -> None:
    """A matter whose window has ended (intake and a contact inside it): its clearance notice is made and
    waits for Priya, who opens the matter and its PDF today, without moving the clock."""
    notice = Notice.objects.filter(
        kind__in=[Notice.Kind.EXPUNGEMENT, Notice.Kind.DO_NOT_FILE], confirmed_at=None, withdrawn_at=None
    ).select_related("matter").first()  # fmt: skip
    assert notice is not None
    assert notice.matter.state == LegalMatter.State.CLEARANCE_SENT
    assert notice.matter.deadline_at <= clock.now()
    priya = verified_client(demo["priya"])
    assert priya.get(f"/legal/{notice.matter_id}/").status_code == 200
    pdf = priya.get(f"/legal/notices/{notice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # And one matter whose window ended without an intake went back to the prosecutor.
    assert Notice.objects.filter(kind=Notice.Kind.RETURN, confirmed_at=None).exists()


def the_evaluation_headline_shows_fewer_re_arrests_with_sensible_intervals() -> None:
    run = EvaluationRun.objects.get()
    rec = run.results["recidivism"]
    for key in ("did_or", "att_or", "ate_or"):
        est = rec[key]
        assert 0.3 < est["estimate"] < 0.7, (key, est)  # Seattle: 0.40-0.42
        assert 0.15 < est["ci_low"] < est["estimate"] < est["ci_high"] < 1, (key, est)
    hr = run.results["survival"]["hazard_ratio"]
    assert hr["ci_high"] < 1
    costs = run.results["costs"]
    assert costs["did"] < 0  # justice costs fell more for LEAD than for the comparison group
    assert abs(costs["savings_pct"]) < 40  # about what the program costs, not a multiple of it
    for outcome, m in run.results["monthly"].items():
        assert 0.8 < m["or"] < 4, (outcome, m)  # Seattle: 1.3-2.2 per month, not tenfold

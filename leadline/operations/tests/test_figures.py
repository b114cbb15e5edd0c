"""Each figure of the operations dashboard on the small program of conftest.py, with its numbers worked out by
hand (and the weekly statuses against a second, naive count read from each person's history)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from leadline.core import clock
from leadline.legal.clock import start_of_day
from leadline.operations.figures import (
    contacts_in,
    handoffs_in,
    minutes_summary,
    overdue_by_staff,
    referrals_in,
    status_by_week,
)
from leadline.operations.periods import Period, this_month, this_quarter
from leadline.participants.models import Participant

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 18), "month")


def test_this_month_and_this_quarter_run_to_today_in_the_sites_zone(ops):
    assert this_month(clock.today()) == NOVEMBER
    assert this_quarter(clock.today()) == Period(date(2026, 10, 1), date(2026, 11, 18), "quarter")
    assert NOVEMBER.weeks() == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


def test_participants_by_status_week_by_week(ops):
    weeks = status_by_week(last_day=date(2026, 11, 18))
    assert [w.monday for w in weeks] == [date(2026, 8, 31) + timedelta(weeks=i) for i in range(12)]
    by_monday = {w.monday: w for w in weeks}
    # Week of 31 August: A referred, C active, D referred (created 1 September); B, E, F, G not yet there.
    assert by_monday[date(2026, 8, 31)].at_end == {
        "referred": 2,
        "engaged": 0,
        "active": 1,
        "inactive": 0,
        "exited": 0,
    }
    assert by_monday[date(2026, 9, 14)].exited == 1  # D, on 20 September
    # The week of 2 November: A enrolled (engaged on the 3rd).
    nov2 = by_monday[date(2026, 11, 2)]
    assert (nov2.enrolled, nov2.exited) == (1, 0)
    # A engaged; G active; C and F inactive; D exited (B and E came later).
    assert nov2.at_end == {"referred": 0, "engaged": 1, "active": 1, "inactive": 2, "exited": 1}
    nov16 = by_monday[date(2026, 11, 16)]  # under way: the figures of now
    assert (nov16.enrolled, nov16.exited) == (0, 1)  # C left on the 17th
    assert nov16.at_end == {"referred": 1, "engaged": 1, "active": 2, "inactive": 1, "exited": 2}
    assert by_monday[date(2026, 11, 9)].enrolled == 1  # B, created active on the 10th
    assert nov16.in_lead == 4


def test_the_weekly_statuses_agree_with_each_persons_history_read_one_by_one(ops):
    """A second count, the slow way: each live person's status at each week's end from their own moves."""
    weeks = status_by_week(last_day=date(2026, 11, 18))
    people = list(Participant.objects.filter(merged_into__isnull=True).prefetch_related("status_changes"))
    for w in weeks:
        end = min(start_of_day(w.monday + timedelta(days=7), clock.zone_name()), clock.now())
        expected = dict.fromkeys(w.at_end, 0)
        for p in people:
            if p.created_at >= end:
                continue
            moves = sorted(p.status_changes.all(), key=lambda c: c.changed_at)
            before = [c for c in moves if c.changed_at < end]
            status = before[-1].to_status if before else (moves[0].from_status if moves else p.status)
            expected[status] += 1
        assert w.at_end == expected, w.monday


def test_contacts_in_the_month_reached_and_not_by_week_and_kind(ops):
    c = contacts_in(NOVEMBER)
    # A's contact at 23:30 on 31 October (Rochester) is October's, though already November in UTC; G's counts.
    assert (c.total, c.reached, c.not_reached) == (5, 4, 1)
    assert [(w.monday, w.reached, w.not_reached) for w in c.weeks] == [
        (date(2026, 10, 26), 1, 0),
        (date(2026, 11, 2), 2, 1),
        (date(2026, 11, 9), 0, 0),
        (date(2026, 11, 16), 1, 0),
    ]
    assert c.by_kind == [("in_person", 1, 0), ("phone", 2, 0), ("text", 1, 0), ("outreach", 0, 1)]


def test_hand_off_minutes_median_and_90th_percentile_overall_and_by_week(ops):
    h = handoffs_in(NOVEMBER, user=ops["program_manager"])
    assert h.requested == 5  # October's is outside; the one still waiting counts as requested
    assert (h.overall.n, h.overall.median, h.overall.p90) == (4, 25.0, 37.0)  # 10 20 30 40
    weeks = {w.monday: w.minutes for w in h.weeks}
    assert (weeks[date(2026, 11, 2)].median, weeks[date(2026, 11, 2)].p90) == (20.0, 36.0)  # 10 20 40
    assert (weeks[date(2026, 11, 16)].n, weeks[date(2026, 11, 16)].median) == (1, 30.0)
    assert weeks[date(2026, 11, 9)].n == 0 and weeks[date(2026, 11, 9)].median is None


def test_percentiles_are_the_spreadsheets_inclusive_ones():
    assert minutes_summary([]).median is None
    assert (minutes_summary([7]).median, minutes_summary([7]).p90) == (7, 7)
    ten = minutes_summary([float(i) for i in range(1, 11)])
    assert (ten.median, ten.p90) == (5.5, 9.1)


def test_overdue_work_by_case_manager_counts_only(ops):
    rows = {(w.user.username if w.user else None): w for w in overdue_by_staff()}
    carmen, casey = rows["carmen"], rows["casey"]
    # A: last reached 3 November, no October status; B: a step past due (10 Nov); G: reached, recorded.
    assert (carmen.not_reached, carmen.intakes_due, carmen.monthly_due, carmen.steps_overdue) == (1, 0, 1, 1)
    # C has exited: nothing; E waits for intake.
    assert (casey.not_reached, casey.intakes_due, casey.monthly_due, casey.steps_overdue) == (0, 1, 0, 0)
    nobody = rows[None]  # F, on no caseload, never reached
    assert (nobody.not_reached, nobody.intakes_due, nobody.monthly_due, nobody.steps_overdue) == (1, 0, 1, 0)
    assert set(rows) == {"carmen", "casey", None}


def test_referrals_by_door_week_by_week_and_by_precinct(ops):
    r = referrals_in(NOVEMBER, user=ops["program_manager"])
    assert r.total == 4  # R5 (30 October) is outside
    assert r.by_door == {"arrest_diversion": 2, "social_contact": 1, "community": 1}
    assert [(w.monday, w.counts) for w in r.weeks] == [
        (date(2026, 10, 26), [0, 0, 0]),
        (date(2026, 11, 2), [1, 1, 0]),
        (date(2026, 11, 9), [1, 0, 0]),
        (date(2026, 11, 16), [0, 0, 1]),
    ]
    assert r.precincts == [
        ("Clinton Section", [1, 1, 0], 2),
        ("Genesee Section", [1, 0, 0], 1),
        ("", [0, 0, 1], 1),
    ]


def test_the_page_shows_the_figures_in_a_few_queries(ops, login, django_assert_max_num_queries):
    client = login(ops["program_manager"])
    with django_assert_max_num_queries(40):
        response = client.get("/operations/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "5 contacts and attempts in the period: 4 reached the person, 1 did not." in page
    assert "median 25.0 minutes" in page and "90th percentile 37.0 minutes" in page
    assert "4 referrals made in the period." in page
    for secret in ("SecretA", "Under bridge", "Secret place", "Secret summary"):
        assert secret not in page


def test_a_case_manager_reads_the_dashboard_without_the_exports_and_police_are_refused(ops, login):
    page = login(ops["case_manager"]).get("/operations/").content.decode()
    assert 'data-figure="overdue"' in page and "data-exports" not in page
    assert login(ops["case_manager"]).get("/operations/export/participants.csv").status_code == 403
    for persona in ("officer", "police_liaison", "prosecutor", "defender", "provider_staff", "evaluator"):
        assert login(ops[persona]).get("/operations/").status_code == 403, persona


def test_the_charts_draw_the_same_geometry_in_every_language(ops, login):
    """SVG coordinates are machine values (decision 0027): the Spanish page draws every bar where the English
    one does, with a dot, while the figures a person reads are in their language."""
    import re

    english = login(ops["program_manager"]).get("/operations/").content.decode()
    in_spanish = login(ops["program_manager"])
    in_spanish.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = in_spanish.get("/operations/").content.decode()
    geometry = re.compile(r'\b(?:x|y|x1|x2|y1|y2|width|height|viewBox)="([^"]*)"')
    drawn = [
        g
        for svg in re.findall(r"<svg class=\"chart\".*?</svg>", english, re.S)
        for g in geometry.findall(svg)
    ]
    assert len(drawn) > 50 and any("." in g for g in drawn)
    assert drawn == [
        g
        for svg in re.findall(r"<svg class=\"chart\".*?</svg>", spanish, re.S)
        for g in geometry.findall(svg)
    ]
    assert 'lang="es"' in spanish and "25,0" in spanish  # the median, as a Spanish reader reads it

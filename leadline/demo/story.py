"""The demo's history (issue #17, item 8): what a LEAD program looks like after months of work, so every
page a newcomer opens tells one story — contacts over the last twelve weeks, intakes done, monthly
statuses recorded, referrals from several precincts through all three doors over two quarters, hand-offs,
service referrals sent and answered, and a legal matter whose window has ended with its clearance notice
waiting for the prosecutor today.

Every record is written by the service that writes it in the program, *as of* the moment it happened
(``as_of``: the one clock, ``django.utils.timezone.now``, is set to that moment while the service runs).
So the audit trail, the status changes, the legal clock and the notices agree with each other exactly as
they would have on those days; nothing is backdated behind a service's back. Synthetic people only, a
fixed random seed: the same story on every machine (relative to the day it is seeded).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from leadline.accounts.models import User
from leadline.cases.models import Intake
from leadline.cases.services import ContactInput, contact_log, intake_save, monthly_status_record
from leadline.core import clock
from leadline.directory.models import Service
from leadline.directory.referrals import referral_create, referral_move
from leadline.legal.models import LegalMatter, Notice
from leadline.legal.services import matters_resolve_due, notice_confirm
from leadline.participants.models import Participant
from leadline.participants.services import participant_status_change, participant_update
from leadline.referrals import services as referral_services
from leadline.referrals.models import Referral
from leadline.referrals.services import CommunityInput, ReferralInput
from leadline.sites.selectors import policy_version_in_force, site_get

STORY_SEED = 1712  # the story's own stream: the participants' names keep coming from seed.py's 2026


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``: every rule reads the one clock (core.clock.now reads
    django.utils.timezone.now), so the audit rows, deadlines and notices say that moment."""
    with mock.patch.object(timezone, "now", lambda: moment):
        yield


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment on a local day of the site, as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(clock.zone_name()))


def days_ago(days: int, hour: int, minute: int = 0) -> datetime:
    return local(clock.today() - timedelta(days=days), hour, minute)


# --- The participants' months ----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One of seed.py's 36 participants and where their story starts."""

    given: str
    family: str
    date_of_birth: date
    status: str  # where they are today
    manager: str | None  # username
    enrolled_days_ago: int
    language: str = "en"
    whereabouts: str = ""
    notes: tuple[tuple[str, str], ...] = ()


INTAKE_ANSWERS = {
    "housing": (True, "Sleeping outside most nights; wants a room, not a shelter bed."),
    "id_documents": (False, "Lost ID and birth certificate; needs both for benefits."),
    "income": (False, "No income; SNAP lapsed last year."),
}
CONTACT_KINDS = ["in_person"] * 5 + ["phone"] * 2 + ["text"]
LOOKED = ["Public Market", "Shelter on Main St", "Inner Loop bridge", "Library on Court St", "Bus terminal"]
HOUSING_PATH = ["unsheltered", "unsheltered", "sheltered", "sheltered", "permanent"]


def _first_of_month(day: date, back: int = 0) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def participants_history(people: list[Person], users: dict[str, User]) -> None:
    """Intake, status, contacts and monthly status for every participant past referral, each written as of
    its day. Runs once (the first intake marks it done)."""
    if Intake.objects.exists():
        return
    rng = random.Random(STORY_SEED)
    today = clock.today()
    found = {
        (p.given_name, p.family_name, p.date_of_birth): p
        for p in Participant.objects.filter(referrals__isnull=True).order_by("pk")
    }
    exits = 0
    for i, person in enumerate(people):
        participant = found.get((person.given, person.family, person.date_of_birth))
        if participant is None or person.manager is None or person.status == "referred":
            continue  # waiting for intake (or for a case manager): their story has not started
        manager = users[person.manager]
        enrolled = today - timedelta(days=person.enrolled_days_ago)
        intake_day = enrolled + timedelta(days=rng.randint(2, 6))
        with as_of(local(intake_day, 10 + rng.randint(0, 5))):
            intake_save(actor=manager, participant=participant, answers=INTAKE_ANSWERS, expected_version=None,
                        complete=True)  # fmt: skip
        participant.refresh_from_db()
        last_reached_gap = 0 if i % 3 else rng.randint(15, 30)  # one in three not reached in two weeks
        went_inactive = None
        if person.status in ("active", "inactive"):
            with as_of(local(intake_day + timedelta(days=rng.randint(8, 20)), 15)):
                participant = participant_update(
                    actor=manager, participant=participant, reason="Working on the plan", status="active"
                )
        if person.status == "inactive":
            went_inactive = rng.randint(25, 60)
            with as_of(days_ago(went_inactive, 16)):
                participant_status_change(
                    actor=manager, participant=participant, to="inactive",
                    expected_version=participant.version,
                    note="Not seen for three weeks; outreach is looking.",
                )  # fmt: skip
            last_reached_gap = went_inactive + rng.randint(7, 20)
        _contacts(participant, manager, users["omar"], rng, since=max(intake_day, today - timedelta(days=84)),
                  stop_days_ago=last_reached_gap, inactive_since=went_inactive, key=f"{i}")  # fmt: skip
        _monthly(participant, manager, rng, enrolled=enrolled, skip_last=i % 4 == 0)
        if person.status == "active" and person.enrolled_days_ago > 240 and exits < 2:
            # Housed and working after most of a year: they leave LEAD on their own terms (no fail-out;
            # they may come back without a new referral). The program keeps room for the next referrals.
            participant.refresh_from_db()
            with as_of(clock.now() - timedelta(minutes=10)):  # after their last contact, this morning
                participant_status_change(
                    actor=manager, participant=participant, to="exited", exit_reason="stabilised",
                    expected_version=participant.version, note="Housed and working; wants to go on alone.",
                )  # fmt: skip
            exits += 1


def _contacts(participant: Participant, manager: User, omar: User, rng: random.Random, *, since: date,
              stop_days_ago: int, inactive_since: int | None, key: str) -> None:  # fmt: skip
    """Contacts every few days from ``since`` until ``stop_days_ago`` (the last one reached, as is the
    first: the hand-off's follow-up), most reached; then, for someone gone inactive, the outreach worker's
    attempts (not reached, where he looked)."""
    today = clock.today()
    stop = max(today - timedelta(days=stop_days_ago), since)
    days, day = [], since + timedelta(days=rng.randint(0, 3))
    while day < stop:
        days.append(day)
        day += timedelta(days=rng.randint(6, 14))
    days.append(stop)
    for n, day in enumerate(days):
        kind = "in_person" if n == 0 else rng.choice(CONTACT_KINDS)
        reached = n in (0, len(days) - 1) or rng.random() < 0.85
        moment = min(local(day, 9 + rng.randint(0, 8), rng.choice((0, 15, 30, 45))),
                     clock.now() - timedelta(minutes=30))  # fmt: skip
        with as_of(moment):
            contact_log(actor=manager, participant=participant, idempotency_key=f"demo-story-{key}-{n}",
                        data=ContactInput(kind=kind, reached=reached, substantive=reached and kind != "text",
                                          occurred_at=moment))  # fmt: skip
    if inactive_since is not None:
        day, n = today - timedelta(days=inactive_since - 3), 0
        while day < today:
            moment = local(day, 8 + rng.randint(0, 3))
            with as_of(moment):
                contact_log(actor=omar, participant=participant, idempotency_key=f"demo-story-{key}-o{n}",
                            data=ContactInput(kind="outreach", reached=False, substantive=False,
                                              occurred_at=moment, place=rng.choice(LOOKED)))  # fmt: skip
            n += 1
            day += timedelta(days=rng.randint(6, 11))


def _monthly(participant: Participant, manager: User, rng: random.Random, *, enrolled: date,
             skip_last: bool) -> None:  # fmt: skip
    """Each past month since enrolment (at most six), recorded in the first days of the month after; the
    last month left to record for some, so the case manager's day has one to do."""
    today = clock.today()
    step = rng.randint(0, 2)
    for back in range(6, 0, -1):
        month = _first_of_month(today, back)
        if month < enrolled.replace(day=1) or (back == 1 and skip_last):
            continue
        recorded = min(local(_first_of_month(today, back - 1) + timedelta(days=rng.randint(1, 5)), 11),
                       clock.now() - timedelta(minutes=5))  # fmt: skip
        housing = HOUSING_PATH[min(step, len(HOUSING_PATH) - 1)]
        with as_of(recorded):
            monthly_status_record(
                actor=manager, participant=participant, month=month, housing=housing,
                employed="yes" if step >= 4 and rng.random() < 0.5 else "no",
                income_or_benefits="yes" if step >= 2 else "no", expected_version=None,
            )  # fmt: skip
        step += rng.choice((0, 1, 1))


# --- Referrals over two quarters ---------------------------------------------------------------------

# Police officers of the other precincts: their referrals fill the dashboards. They never sign in (no
# password is set), so they are not among the demo's printed logins.
PRECINCT_OFFICERS = [
    ("gwen", "Gwen", "Garner", "Genesee Section"),
    ("gabe", "Gabe", "Goodman", "Goodman Section"),
    ("lena", "Lena", "Lake", "Lake Section"),
    ("cal", "Cal", "Central", "Central Section"),
]

STORY_GIVEN = ["Ray", "Nia", "Omari", "Lucia", "Terrence", "Ivy", "Hector", "Shay", "Dominic", "Ana Luisa",
               "Brandon", "Yolanda", "Curtis", "Mercedes", "Wendell", "Gloria", "Isaiah",
               "Paloma"]  # fmt: skip
STORY_FAMILY = ["Banks", "Reyes", "Coleman", "Vega", "Ford", "Santiago", "Pierce", "Tate", "Nunez", "Holt",
                "Ibarra", "Mack", "Soto", "Greer", "Acosta", "Dunn"]  # fmt: skip
FIRST_KEY = "demo-story-r00"


@dataclass(frozen=True)
class Referred:
    """One referral of the story: who, when (days ago), through which door and with what outcome."""

    n: int
    officer: str
    door: str
    outcome: str  # handoff | eligible | ineligible_grams | ineligible_exclusion | minor | declined |
    #               social_outside | pending | approved_waiting | not_approved
    days_ago: int


def referral_plan(span_days: int) -> list[Referred]:
    """About four referrals a week over ``span_days``, from every precinct, through all three doors."""
    rng = random.Random(STORY_SEED + 1)
    officers = ["olivia", "sam", *[o[0] for o in PRECINCT_OFFICERS]]
    police = [
        "handoff", "ineligible_grams", "ineligible_exclusion", "declined", "ineligible_grams", "minor",
        "ineligible_exclusion", "handoff",
    ]  # fmt: skip
    plan: list[Referred] = []
    for n, days in enumerate(sorted((rng.randint(3, span_days) for _ in range(span_days * 2 // 7)),
                                    reverse=True)):  # fmt: skip
        roll = rng.random()
        if roll < 0.5:
            door, outcome = "arrest_diversion", rng.choice(police)
        elif roll < 0.8:
            door, outcome = "social_contact", rng.choice(["social_outside", "social_outside", "declined",
                                                          "ineligible_exclusion"])  # fmt: skip
        else:
            door, outcome = "community", rng.choice(["not_approved", "ineligible_exclusion", "not_approved"])
        if outcome == "handoff" and not 14 <= days <= 80:
            outcome = "ineligible_grams"  # hand-offs only in the last months (see legal_story)
        officer = "pat" if door == "community" else rng.choice(officers)
        plan.append(Referred(n, officer, door, outcome, days))
    # The ones the inboxes need, at fixed places in the story.
    plan += [
        Referred(201, "pat", "community", "approved_waiting", 4),  # approved, waits for a case manager
        Referred(202, "pat", "community", "pending", 1),  # waits for Paula, the designated approver
        Referred(203, "gwen", "social_contact", "eligible", 2),  # eligible, not handed off: waits
        Referred(204, "lena", "arrest_diversion", "handoff", 33),  # window ended: its clearance waits today
        Referred(205, "gabe", "arrest_diversion", "handoff", 44),  # ended without an intake: a return
    ]
    return plan


def referrals_history(users: dict[str, User]) -> None:
    """The referral stream, from the first day of the last full quarter to today. Runs once."""
    if Referral.objects.filter(idempotency_key=FIRST_KEY).exists():
        return
    site = site_get()
    if site is None:
        return
    today = clock.today()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter = _first_of_month(quarter_start, 3)
    rng = random.Random(STORY_SEED + 2)
    for r in referral_plan((today - last_quarter).days):
        _referral(r, users, rng)


def _referral(r: Referred, users: dict[str, User], rng: random.Random) -> None:
    when = days_ago(r.days_ago, 9 + rng.randint(0, 10), rng.choice((5, 20, 35, 50)))
    site = site_get()
    assert site is not None  # referrals_history returns before this without a site
    version = policy_version_in_force(site=site, on=clock.local_date(when))
    if version is None:
        return  # before the demo's policy took effect
    offences = {o.statute: o for o in version.offences.all()}
    given, family = rng.choice(STORY_GIVEN), rng.choice(STORY_FAMILY)
    dob = date(1962, 1, 1) + timedelta(days=rng.randint(0, 365 * 38))
    if r.outcome == "minor":
        dob = clock.local_date(when) - timedelta(days=365 * 17)
    key = f"demo-story-r{r.n:02d}"
    officer = users[r.officer]
    exclusions = (rng.choice(["violent_history", "dealing_above_subsistence", "pending_specialty_court"]),) \
        if r.outcome == "ineligible_exclusion" else ()  # fmt: skip
    with as_of(when):
        if r.door == "community":
            referral, _c = referral_services.community_referral_submit(
                actor=officer, idempotency_key=key,
                data=CommunityInput(given_name=given, family_name=family, date_of_birth=dob,
                                    person_agrees=True, exclusions_flagged=exclusions,
                                    concern="Sleeping in our doorway; asked us for help with treatment."),
            )  # fmt: skip
        else:
            social = r.door == "social_contact"
            statute = rng.choice(["PL 220.03", "PL 220.03", "PL 140.10", "PL 155.25", "PL 230.00"])
            grams = Decimal("4.50") if r.outcome == "ineligible_grams" else Decimal("0.40")
            if r.outcome == "ineligible_grams":
                statute = "PL 220.03"
            referral, _c = referral_services.referral_submit(
                actor=officer, idempotency_key=key,
                data=ReferralInput(
                    door=r.door, given_name=given, family_name=family, date_of_birth=dob,
                    person_agrees=r.outcome != "declined", aggrieved_party="none_present", occurred_at=when,
                    offence=None if social else offences.get(statute),
                    drug_quantity_grams=None if social or statute != "PL 220.03" else grams,
                    exclusions_flagged=exclusions, verification="observed" if social else "",
                    verified_on=clock.local_date(when) if social else None,
                    inside_catchment=(r.outcome != "social_outside") if social else None,
                ),
            )  # fmt: skip
    paula = users["paula"]
    if r.outcome in ("approved_waiting", "not_approved") and referral.status == "pending_approval":
        with as_of(when + timedelta(hours=20)):
            referral = referral_services.community_referral_decide(
                actor=paula, referral=referral, approve=r.outcome != "not_approved",
                reason="Known to outreach; fits LEAD." if r.outcome != "not_approved"
                else "Already served by the county's ACT team.",
            )  # fmt: skip
    if r.outcome == "handoff" and referral.status == "eligible":
        _handoff(referral, users, when + timedelta(minutes=5), rng)


def _handoff(referral: Referral, users: dict[str, User], start: datetime, rng: random.Random) -> None:
    """The LEAD line: requested by the officer, answered by a case manager, arrived, handed off — the
    person becomes a participant on that caseload (and an arrest diversion opens its legal matter)."""
    caller = referral.referred_by
    manager = users["casey"] if referral.pk % 2 else users["carmen"]
    with as_of(start):
        handoff, _c = referral_services.handoff_request(
            actor=caller, referral=referral, callback_phone=caller.phone or "+1 585 555 0199"
        )
    with as_of(start + timedelta(minutes=rng.randint(2, 4))):
        handoff = referral_services.handoff_acknowledge(actor=manager, handoff=handoff, eta_minutes=20)
    with as_of(start + timedelta(minutes=rng.randint(14, 41))):
        handoff = referral_services.handoff_arrive(actor=manager, handoff=handoff)
    with as_of(start + timedelta(minutes=45)):
        referral_services.handoff_complete(
            actor=manager, handoff=handoff, match=referral_services.NEW_PARTICIPANT
        )


def handed_off_history(users: dict[str, User]) -> None:
    """The participants the story's hand-offs made: intake within days (except one, whose window ends
    without it), contacts since; then the legal clock as it ran — each notice made at its deadline, the
    prosecutor confirming clearances a few days later — so today one clearance notice (and one return)
    wait for her."""
    rng = random.Random(STORY_SEED + 3)
    referrals = Referral.objects.filter(idempotency_key__startswith="demo-story-r", participant__isnull=False)
    for referral in referrals.order_by("occurred_at"):
        participant = referral.participant
        assert participant is not None
        if Intake.objects.filter(participant=participant).exists() or participant.case_manager is None:
            continue
        manager = participant.case_manager
        if referral.idempotency_key == "demo-story-r205":
            # Never reached after the hand-off: outreach looked, the window ended without an intake.
            for n, d in enumerate((40, 33, 26, 19)):
                with as_of(days_ago(d, 8)):
                    contact_log(actor=users["omar"], participant=participant,
                                idempotency_key=f"demo-story-h{referral.pk}-{n}",
                                data=ContactInput(kind="outreach", reached=False, substantive=False,
                                                  occurred_at=days_ago(d, 8),
                                                  place=rng.choice(LOOKED)))  # fmt: skip
            continue
        start = clock.local_date(referral.occurred_at)
        with as_of(
            min(local(start + timedelta(days=rng.randint(1, 4)), 11), clock.now() - timedelta(hours=1))
        ):
            intake_save(actor=manager, participant=participant, answers=INTAKE_ANSWERS, expected_version=None,
                        complete=True)  # fmt: skip
        _contacts(participant, manager, users["omar"], rng, since=start + timedelta(days=3), stop_days_ago=
                  rng.randint(1, 9), inactive_since=None, key=f"h{referral.pk}")  # fmt: skip
    _legal_clock(users)


def hand_off_today(users: dict[str, User]) -> None:
    """Tanya, handed off this morning and opted in: Carmen did her intake and met her there (the status
    seed.py set, "active", says so)."""
    tanya = Participant.objects.filter(given_name="Tanya", family_name="Brooks").first()
    if tanya is None or tanya.case_manager is None or Intake.objects.filter(participant=tanya).exists():
        return
    with as_of(clock.now() - timedelta(minutes=20)):
        intake_save(actor=tanya.case_manager, participant=tanya, answers=INTAKE_ANSWERS,
                    expected_version=None, complete=True)  # fmt: skip
        contact_log(actor=tanya.case_manager, participant=tanya, idempotency_key="demo-story-tanya",
                    data=ContactInput(kind="in_person", reached=True, substantive=True,
                                      occurred_at=clock.now()))  # fmt: skip


def _legal_clock(users: dict[str, User]) -> None:
    """Each matter's deadline as it came: the sweep made its notice an hour after; the prosecutor confirmed
    (and so sealed) each clearance three days later, unless that day has not come yet."""
    for matter in LegalMatter.objects.filter(state=LegalMatter.State.HELD, deadline_at__lte=clock.now(),
                                             referral__idempotency_key__startswith="demo-story-r"
                                             ).order_by("deadline_at"):  # fmt: skip
        with as_of(matter.deadline_at + timedelta(hours=1)):
            matters_resolve_due()
    for notice in Notice.objects.filter(confirmed_at__isnull=True).select_related("matter"):
        confirm_at = notice.generated_at + timedelta(days=3)
        if notice.is_clearance and confirm_at < clock.now() - timedelta(days=3):
            with as_of(confirm_at):
                notice_confirm(actor=users["priya"], notice_id=notice.pk)


# --- Service referrals -------------------------------------------------------------------------------


def service_referrals_history(users: dict[str, User]) -> None:
    """Carmen refers two of her participants to Open Door Housing: one waits for Pat's answer, the other
    Pat accepted last week."""
    carmen, pat = users["carmen"], users["pat"]
    rehousing = Service.objects.filter(name="Rapid rehousing").first()
    if rehousing is None:
        return
    mine = list(
        Participant.objects.filter(case_manager=carmen, status="active", referrals__isnull=True).order_by(
            "pk"
        )[:2]
    )
    for n, (participant, answered) in enumerate(zip(mine, (True, False), strict=False)):
        sent = days_ago(9 if answered else 1, 14)
        with as_of(sent):
            referral = referral_create(actor=carmen, participant=participant, service=rehousing,
                                       reason="Needs a room; ready to move in this month.",
                                       idempotency_key=f"demo-story-s{n}")  # fmt: skip
        if answered and referral.status == "requested":
            with as_of(sent + timedelta(days=2, hours=1)):
                referral_move(actor=pat, referral_id=referral.pk, to="accepted", version=referral.version)

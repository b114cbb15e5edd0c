"""The embedded demo: "Monroe County, NY (demo)", synthetic people only, and a login for every role.

Idempotent: running it again resets the demo users' passwords and adds nothing twice. The names are
made up from a fixed seed; no real person's data is ever in the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from leadline.accounts import policy
from leadline.accounts.models import Agency, User
from leadline.accounts.roles import Role
from leadline.cases.services import case_note_add, monthly_status_record
from leadline.consents.documents import Document
from leadline.consents.services import consent_record
from leadline.core import clock
from leadline.demo import story
from leadline.directory import tasks as directory_tasks
from leadline.directory.models import Organization, Service, ServiceReferral, TaxonomyTerm
from leadline.evaluation import tasks as evaluation_tasks
from leadline.evaluation.models import EvaluationRun
from leadline.evaluation.services import evaluation_run
from leadline.legal.models import CourtDate, LegalMatter
from leadline.legal.records import record_add
from leadline.notifications import tasks as notification_tasks
from leadline.participants.models import Participant
from leadline.participants.services import (
    participant_create,
    participant_identity_update,
    participant_update,
    participant_update_whereabouts,
)
from leadline.referrals import services as referral_services
from leadline.referrals.models import OnCallShift, Referral
from leadline.referrals.services import ReferralInput, referral_submit
from leadline.sites.models import Site
from leadline.sites.selectors import policy_version_today
from leadline.sites.services import site_import, site_mark_demo
from leadline.workgroup.agenda import agenda_build
from leadline.workgroup.models import Meeting
from leadline.workgroup.services import member_add

DEMO_SITE_NAME = "Monroe County, NY (demo)"
DEMO_PASSWORD = "lead-demo-2026"  # noqa: S105  (printed on purpose: synthetic demo accounts only)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first: str
    last: str
    role: Role | None
    agency: str


DEMO_USERS = [
    DemoUser("olivia", "Olivia", "Ortiz", Role.OFFICER, "Rochester Police Department"),
    DemoUser("sam", "Sam", "Sergeant", Role.POLICE_LIAISON, "Rochester Police Department"),
    DemoUser("carmen", "Carmen", "Castillo", Role.CASE_MANAGER, "LEAD Case Management (demo)"),
    DemoUser("casey", "Casey", "Clarke", Role.CASE_MANAGER, "LEAD Case Management (demo)"),
    DemoUser("omar", "Omar", "Owens", Role.OUTREACH_WORKER, "LEAD Case Management (demo)"),
    DemoUser("paula", "Paula", "Prado", Role.PROGRAM_MANAGER, "Monroe LEAD Program Office (demo)"),
    DemoUser("priya", "Priya", "Patel", Role.PROSECUTOR, "Monroe County District Attorney (demo)"),
    DemoUser("dana", "Dana", "Diaz", Role.DEFENDER, "Monroe County Public Defender (demo)"),
    DemoUser("pat", "Pat", "Park", Role.PROVIDER_STAFF, "Open Door Housing (demo)"),
    DemoUser("ana", "Ana", "Alvarez", Role.EVALUATOR, "University Evaluation Team (demo)"),
    DemoUser("adam", "Adam", "Adams", Role.SITE_ADMIN, "Monroe LEAD Program Office (demo)"),
    DemoUser("oscar", "Oscar", "Outsider", None, "Open Door Housing (demo)"),
]

PRECINCTS = ["Clinton Section", "Genesee Section", "Goodman Section", "Lake Section", "Central Section"]

DEMO_SITE_FILE = {
    "format": "leadline-site",
    "format_version": 1,
    "site": {
        "name": DEMO_SITE_NAME,
        "time_zone": "America/New_York",
        "languages": ["en", "es"],
        "legal_mode": "expunge_after_participation",
        "expunge_after_days": 30,
        "no_file_window_days": 30,
        "caseload_soft_limit": 20,
        "caseload_hard_limit": 25,
        "small_cell_threshold": 10,
        "lead_line_phone": "+1 585 555 0100",
        "handoff_target_minutes": 30,
        "handoff_ack_minutes": 5,
    },
    "agencies": [
        {"name": "Rochester Police Department", "kind": "police_department", "parent": None, "phone": ""},
        *[{"name": p, "kind": "precinct", "parent": "Rochester Police Department", "phone": ""} for p in PRECINCTS],
        {"name": "Monroe County District Attorney (demo)", "kind": "prosecutor", "parent": None, "phone": ""},
        {"name": "Monroe County Public Defender (demo)", "kind": "defender", "parent": None, "phone": ""},
        {"name": "LEAD Case Management (demo)", "kind": "case_management", "parent": None, "phone": ""},
        {"name": "Open Door Housing (demo)", "kind": "service_provider", "parent": None, "phone": ""},
        {"name": "Clear Path Treatment (demo)", "kind": "service_provider", "parent": None, "phone": ""},
        {"name": "University Evaluation Team (demo)", "kind": "evaluator", "parent": None, "phone": ""},
        {"name": "Monroe LEAD Program Office (demo)", "kind": "program", "parent": None, "phone": ""},
    ],
    "policy_versions": [
        {
            "label": "2026.1",
            "effective_from": "2026-01-01",
            "effective_to": None,
            "minimum_age": 18,
            "drug_quantity_cap_grams": "3.00",
            "social_contact_lookback_months": 24,
            "notes": "Illustrative demo policy; not legal advice.",
            "offences": [
                {"statute": "PL 220.03", "description": "Criminal possession of a controlled substance, 7th degree",
                 "drug_quantity_cap_applies": True},
                {"statute": "PL 230.00", "description": "Prostitution", "drug_quantity_cap_applies": False},
                {"statute": "PL 140.10", "description": "Criminal trespass, 3rd degree",
                 "drug_quantity_cap_applies": False},
                {"statute": "PL 155.25", "description": "Petit larceny", "drug_quantity_cap_applies": False},
                {"statute": "PL 165.40", "description": "Criminal possession of stolen property, 5th degree",
                 "drug_quantity_cap_applies": False},
            ],
            "exclusions": [
                {"code": "dealing_above_subsistence", "description": "Dealing above subsistence level",
                 "lookback_years": None},
                {"code": "exploits_minors", "description": "Exploiting minors", "lookback_years": None},
                {"code": "promoting_prostitution", "description": "Promoting prostitution", "lookback_years": None},
                {"code": "violent_history", "description": "Disqualifying violent history", "lookback_years": 10},
                {"code": "pending_specialty_court", "description": "Pending drug or mental-health court case",
                 "lookback_years": None},
                {"code": "no_contact_order", "description": "No-contact order with a current participant",
                 "lookback_years": None},
            ],
        }
    ],
}  # fmt: skip

GIVEN = [
    "Alex",
    "Jordan",
    "Taylor",
    "Morgan",
    "Riley",
    "Jamie",
    "Casey",
    "Devon",
    "Rene",
    "Luis",
    "Maria",
    "Keisha",
    "Tyrone",
    "Andre",
    "Rosa",
    "Jasmine",
    "Marcus",
    "Tanya",
    "Carlos",
    "Denise",
    "Kevin",
    "Latoya",
]
FAMILY = [
    "Rivera",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
]
PLACES = [
    "Near the Public Market",
    "Shelter on Main St",
    "Under the Inner Loop bridge",
    "Cousin's apartment, 14621",
    "Library on Court St",
    "Bus terminal",
]
NOTES = [
    ("general", "Met at the drop-in centre; talked about getting an ID replaced."),
    ("general", "Wants help with a SNAP recertification appointment next week."),
    ("health", "Reports foot pain; agreed to visit the street-medicine van."),
    ("substance_use", "Discussed MOUD options; interested in a low-threshold buprenorphine clinic."),
]


class DemoRefused(RuntimeError):
    pass


def seed_demo() -> list[DemoUser]:
    """Create or refresh the demo site. Returns the demo users, for printing their logins.

    Refuses in production: the demo password is published. Never touches an account that is not a
    demo account, so running it against a real database cannot hand a real login to anybody.
    """
    if settings.PRODUCTION:
        raise DemoRefused("The demo site is never seeded in production (LEADLINE_ENV=production).")
    with transaction.atomic():
        if not Site.objects.filter(is_demo=True).exists():
            site_mark_demo(site=site_import(actor=None, data=DEMO_SITE_FILE))
        agencies = {a.name: a for a in Agency.objects.all()}
        users: dict[str, User] = {}
        for du in DEMO_USERS:
            user, created = User.objects.get_or_create(username=du.username, defaults={"is_demo": True})
            if not created and not user.is_demo:
                raise DemoRefused(f"{du.username!r} is a real account here; the demo will not overwrite it.")
            user.first_name, user.last_name = du.first, du.last
            user.email = f"{du.username}@demo.leadline.invalid"
            user.role = du.role.value if du.role else ""
            user.is_staff = du.role is Role.SITE_ADMIN
            user.agency = agencies[du.agency]
            user.precinct = (
                agencies["Clinton Section"] if du.role in (Role.OFFICER, Role.POLICE_LIAISON) else None
            )
            user.is_demo = True
            user.is_active = True
            user.phone = f"+1 585 555 02{DEMO_USERS.index(du):02d}"  # the LEAD line is 0100
            user.is_community_approver = du.username == "paula"
            user.set_password(DEMO_PASSWORD)
            user.save()
            users[du.username] = user
        users |= _seed_precinct_officers(agencies)
        people = demo_people()
        if not Participant.objects.exists():
            _seed_participants(users, people)
        _seed_referrals(users)
        _seed_on_call(users)
        _seed_officer_feedback(users)
        _seed_legal(users)
        _seed_directory()
    # The months before today, through the services that need a transaction of their own (durable): each
    # part runs once and is told as of its own days (demo/story.py).
    story.participants_history(people, users)
    story.referrals_history(users)
    story.handed_off_history(users)
    story.hand_off_today(users)
    if not ServiceReferral.objects.exists():
        story.service_referrals_history(users)
    with transaction.atomic():
        _seed_workgroup(users)
    _seed_evidence()
    return DEMO_USERS


def _seed_precinct_officers(agencies: dict[str, Agency]) -> dict[str, User]:
    """Officers of the other precincts, whose referrals fill the dashboards: demo accounts with no
    password (nobody signs in as them), not among the printed logins."""
    officers = {}
    for username, first, last, precinct in story.PRECINCT_OFFICERS:
        user, created = User.objects.get_or_create(username=username, defaults={"is_demo": True})
        if not created and not user.is_demo:
            raise DemoRefused(f"{username!r} is a real account here; the demo will not overwrite it.")
        if created:
            user.first_name, user.last_name, user.role = first, last, Role.OFFICER.value
            user.agency, user.precinct = agencies["Rochester Police Department"], agencies[precinct]
            user.email = f"{username}@demo.leadline.invalid"
            user.set_unusable_password()
            user.save()
        officers[username] = user
    return officers


def _seed_workgroup(users: dict[str, User]) -> None:
    """The operational workgroup: everyone whose role sits at the table (officer, liaison, case managers,
    outreach, the program manager, prosecutor, defender, provider) is a member; a meeting next Tuesday at
    10:00 with its agenda built from the demo's events; the notification retries booked."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    paula = users["paula"]
    for user in (users[du.username] for du in DEMO_USERS):  # the other precincts' officers sit elsewhere
        if policy.can(user, "workgroup.view"):
            member_add(actor=paula, user=user)
    if not Meeting.objects.exists():
        today = clock.today()
        tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
        zone = ZoneInfo(Site.objects.get().time_zone)
        start = datetime.combine(tuesday, time(10, 0), tzinfo=zone)
        meeting = Meeting.objects.create(  # not meeting_schedule: nobody is emailed about the demo's seed
            starts_at=start, ends_at=start + timedelta(hours=1), created_by=paula, created_at=clock.now(),
            place="LEAD office, 99 Exchange Blvd, room 204 (demo)", idempotency_key="demo-workgroup-first",
        )  # fmt: skip
        agenda_build(actor=paula, meeting=meeting)
    notification_tasks.schedule_next()


# Invented Rochester-area services (no real organisation's details): what a case manager would search.
DEMO_DIRECTORY: list[tuple[str, str, list[tuple[str, str, list[str], list[str], int | None, int]]]] = [
    ("Open Door Housing (demo)", "Housing first: a home, then the rest.", [
        ("Rapid rehousing", "A room within weeks, with a support worker.", ["housing"], ["en", "es"], 4, 0),
        ("Drop-in day centre", "Showers, laundry, mail and a place to rest.", ["housing", "food"], ["en"],
         None, 0),
    ]),
    ("Clear Path Treatment (demo)", "Outpatient substance-use treatment, low threshold.", [
        ("Same-day buprenorphine starts", "Walk in; no appointment, no abstinence requirement.",
         ["moud"], ["en", "es"], None, 0),
        ("Syringe services and naloxone", "Supplies, testing, naloxone training.", ["harm-reduction"],
         ["en"], None, 0),
    ]),
    ("Genesee Legal Aid (demo)", "Civil legal help for people on low incomes.", [
        ("ID and birth certificate clinic", "Help replacing ID documents; fees covered.", ["id-documents",
         "civil-legal"], ["en", "es"], 12, 0),
        ("Benefits appeals", "SNAP, SSI and Medicaid applications and appeals.", ["benefits"], ["en"], None,
         200),  # last confirmed 200 days ago: the demo shows a stale listing
    ]),
]  # fmt: skip
# Nobody signs in to Leadline for the legal aid office: it answers referrals by the link emailed here.
DEMO_ORG_EMAILS = {"Genesee Legal Aid (demo)": "intake@geneseelegal.example"}


def _seed_directory() -> None:
    """Services to search and refer to on first run, the providers' own listings linked to their
    agencies, and the nightly reminder about stale listings booked."""

    now = clock.now()
    for org_name, description, services in DEMO_DIRECTORY:
        org, _ = Organization.objects.get_or_create(
            name=org_name, defaults={"description": description, "updated_at": now,
                                     "agency": Agency.objects.filter(name=org_name).first(),
                                     "email": DEMO_ORG_EMAILS.get(org_name, "")},
        )  # fmt: skip
        for name, text, terms, languages, capacity, age_days in services:
            service, created = Service.objects.get_or_create(
                organization=org, name=name, defaults={
                    "description": text, "languages": languages, "capacity": capacity, "updated_at": now,
                    "last_verified_at": now - timedelta(days=age_days),
                },
            )  # fmt: skip
            if created:
                service.terms.set(TaxonomyTerm.objects.filter(code__in=terms))
    directory_tasks.schedule_next()


def _seed_evidence() -> None:
    """The evidence pages show a plausible program on first run: one evaluation of a synthetic cohort
    (labelled as synthetic on every page), and the nightly run booked."""

    if not EvaluationRun.objects.exists():
        evaluation_run(demo=True)
    evaluation_tasks.schedule_next()


def _seed_legal(users: dict[str, User]) -> None:
    """The hand-offs above opened Tanya's and Marcus's legal matters (the clock runs 30 days from the
    arrest); Dana, the demo defender, represents Tanya. Priya has a new charge against Tanya to decide,
    Tanya a court date (and the texts reminding her of it), Marcus another open case and a warrant."""

    LegalMatter.objects.filter(participant__given_name="Tanya", participant__family_name="Brooks").update(
        defender=users["dana"]
    )
    tanya = Participant.objects.filter(given_name="Tanya", family_name="Brooks").first()
    marcus = Participant.objects.filter(given_name="Marcus", family_name="Hill").first()
    if tanya is None or marcus is None or CourtDate.objects.filter(participant=tanya).exists():
        return
    priya, today = users["priya"], clock.today()
    if not tanya.phone:
        tanya = participant_identity_update(
            actor=users["carmen"], participant=tanya, expected_version=tanya.version,
            aliases=list(tanya.aliases.values_list("name", flat=True)), phone="+1 585 555 0142",
        )  # fmt: skip
    record_add(actor=priya, participant=tanya, kind="new_charge", values={
        "statute": "PL 140.05", "degree": "violation", "description": "Trespass (library, after hours)",
        "date": (today - timedelta(days=4)).isoformat(),
    })  # fmt: skip
    record_add(actor=priya, participant=tanya, kind="court_date", values={
        "date": (today + timedelta(days=12)).isoformat(), "time": "09:30", "court": "Rochester City Court",
        "purpose": "Status conference",
    })  # fmt: skip
    record_add(actor=priya, participant=marcus, kind="case", values={
        "docket": "CR-2026-01234", "court": "Rochester City Court", "description": "PL 155.25 petit larceny",
    })  # fmt: skip
    record_add(actor=priya, participant=marcus, kind="warrant", values={
        "reference": "BW-2026-0457", "court": "Rochester City Court", "date": (today - timedelta(days=40)).isoformat(),
    })  # fmt: skip


def _seed_on_call(users: dict[str, User]) -> None:
    """Carmen on call, Casey as backup, Paula to escalate to: a shift around now, so the LEAD line answers."""

    now = clock.now()
    if not OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now).exists():
        OnCallShift.objects.create(
            case_manager=users["carmen"],
            backup=users["casey"],
            supervisor=users["paula"],
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=60),
        )


DEMO_REFERRALS = [
    # (officer, key, door, given, family, dob, statute, grams, exclusions, person agrees)
    (
        "olivia",
        "demo-ref-1",
        "arrest_diversion",
        "Tanya",
        "Brooks",
        date(1991, 3, 14),
        "PL 220.03",
        "0.50",
        (),
        True,
    ),
    (
        "olivia",
        "demo-ref-2",
        "arrest_diversion",
        "Marcus",
        "Hill",
        date(1984, 7, 2),
        "PL 140.10",
        None,
        (),
        True,
    ),
    (
        "olivia",
        "demo-ref-3",
        "arrest_diversion",
        "Devon",
        "Price",
        date(1979, 11, 30),
        "PL 220.03",
        "5.00",
        (),
        True,
    ),
    (
        "olivia",
        "demo-ref-4",
        "arrest_diversion",
        "Keisha",
        "Young",
        date(1995, 1, 9),
        "PL 155.25",
        None,
        ("no_contact_order",),
        True,
    ),
    ("olivia", "demo-ref-5", "social_contact", "Rene", "Lopez", date(1988, 5, 21), None, None, (), True),
    (
        "sam",
        "demo-ref-6",
        "arrest_diversion",
        "Luis",
        "Ortega",
        date(1990, 8, 8),
        "PL 230.00",
        None,
        (),
        False,
    ),
]


def _seed_officer_feedback(users: dict[str, User]) -> None:
    """Two of Olivia's referrals taken through the LEAD line to hand-off: Tanya engaged and opted in to
    officer feedback (Olivia sees "Engaged with LEAD"); Marcus did not opt in ("not shared")."""

    carmen = users["carmen"]
    for key, opted_in in (("demo-ref-1", True), ("demo-ref-2", False)):
        referral = Referral.objects.filter(referred_by=users["olivia"], idempotency_key=key).first()
        if referral is None or referral.participant_id is not None or referral.status != "eligible":
            continue
        handoff, _created = referral_services.handoff_request(
            actor=users["olivia"], referral=referral, callback_phone=users["olivia"].phone
        )
        handoff = referral_services.handoff_acknowledge(actor=carmen, handoff=handoff, eta_minutes=15)
        handoff = referral_services.handoff_arrive(actor=carmen, handoff=handoff)
        referral_services.handoff_complete(actor=carmen, handoff=handoff)
        referral.refresh_from_db()
        if referral.participant is not None:
            case_note_add(
                actor=carmen, participant=referral.participant, sensitivity="general",
                body="Met at the hand-off with the officer. Wants help with ID documents first.",
                idempotency_key=f"demo-handoff-{key}",
            )  # fmt: skip
            participant_update_whereabouts(
                actor=carmen, participant=referral.participant, whereabouts="Sleeps near the Liberty Pole",
                expected_version=referral.participant.version,
            )  # fmt: skip
        if opted_in and referral.participant is not None:
            participant_update(
                actor=carmen, participant=referral.participant, reason="intake done", status="active"
            )
            consent_record(
                actor=carmen,
                participant=referral.participant,
                kind="officer_feedback",
                method="verbal",
                categories=("engagement", "housed"),
            )
            _seed_part2_consent(users, referral.participant)


def demo_signature_png() -> bytes:
    """A drawn line standing in for a signature, as the signature pad sends it (transparent PNG with
    ink): the demo's 42 CFR 2.35 consent, and the tests' signatures."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    stroke = [(12, 70), (60, 30), (110, 75), (170, 25), (260, 60)]
    ImageDraw.Draw(image).line(stroke, fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _demo_signature() -> Any:

    return Document("drawn", "image/png", demo_signature_png())


def _seed_part2_consent(users: dict[str, User], participant: Any) -> None:
    """Tanya signed a 42 CFR 2.35 consent for the District Attorney's office (status, attendance and her
    monthly housing), irrevocable until her charge's final disposition: Priya's progress summaries show her."""
    from datetime import timedelta

    carmen = users["carmen"]
    today = clock.today()
    monthly_status_record(
        actor=carmen, participant=participant, month=today.replace(day=1), housing="sheltered", employed="no",
        income_or_benefits="yes", expected_version=None,
    )  # fmt: skip
    consent_record(
        actor=carmen, participant=participant, kind="criminal_justice", method="written",
        recipient_kind="prosecutor", recipient_agency=users["priya"].agency,
        categories=("status", "attendance", "living"),
        purpose="So the liaison prosecutor can follow my participation while my charge is held for LEAD",
        expires_on=today + timedelta(days=365), irrevocable=True,
        irrevocable_event="the final disposition of my charge", signature=_demo_signature(),
    )  # fmt: skip


def _seed_referrals(users: dict[str, User]) -> None:
    """A few referrals, so officers and the liaison see their own on first run (eligible and not)."""

    version = policy_version_today()
    if version is None:
        return
    offences = {o.statute: o for o in version.offences.all()}
    for officer, key, door, given, family, dob, statute, grams, exclusions, agrees in DEMO_REFERRALS:
        social = door == "social_contact"
        referral_submit(
            actor=users[officer],
            idempotency_key=key,
            data=ReferralInput(
                door=door,
                given_name=given,
                family_name=family,
                date_of_birth=dob,
                person_agrees=agrees,
                aggrieved_party="none_present",
                occurred_at=clock.now(),
                offence=offences.get(statute) if statute else None,
                drug_quantity_grams=Decimal(grams) if grams else None,
                exclusions_flagged=exclusions,
                verification="observed" if social else "",
                verified_on=clock.today() if social else None,
                inside_catchment=True if social else None,
            ),
        )


def demo_people() -> list[story.Person]:
    """The 36 participants of the demo, always the same (names from the fixed seed 2026, as before the story
    was told: every test and screenshot knows them), with where each one's story starts: on a caseload
    and active for months, engaged after a recent intake, gone inactive, or referred and waiting — for
    intake on a caseload, or for a case manager."""
    rng = random.Random(2026)  # fixed: the demo is the same on every machine
    when = random.Random(story.STORY_SEED)
    statuses = ["active"] * 6 + ["engaged"] * 2 + ["inactive"] * 2 + ["referred"]
    people = []
    for i in range(36):
        manager = "carmen" if i < 14 else "casey" if i < 26 else None
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        dob = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
        language = "es" if rng.random() < 0.2 else "en"
        status = "referred" if manager is None else rng.choice(statuses)
        whereabouts = rng.choice(PLACES)
        notes = tuple(rng.sample(NOTES, k=3)) if manager is not None else ()
        enrolled = {"referred": when.randint(2, 12) if manager else when.randint(1, 20),
                    "engaged": when.randint(20, 55)}.get(status, when.randint(120, 300))  # fmt: skip
        people.append(
            story.Person(given, family, dob, status, manager, enrolled, language, whereabouts, notes)
        )
    return people


def _seed_participants(users: dict[str, User], people: list[story.Person]) -> None:
    """Each participant as they were referred (on the day their story starts), with three notes from the
    first weeks; story.participants_history writes what came after."""
    for i, person in enumerate(people):
        manager = users[person.manager] if person.manager else None
        start = story.days_ago(person.enrolled_days_ago, 10 + i % 7)
        with story.as_of(start):
            p = participant_create(
                actor=None, given_name=person.given, family_name=person.family,
                date_of_birth=person.date_of_birth, language=person.language, status="referred",
                case_manager=manager, last_known_whereabouts=person.whereabouts,
            )  # fmt: skip
        for j, (sensitivity, body) in enumerate(person.notes):
            assert manager is not None
            with story.as_of(min(start + timedelta(days=2 + 5 * j, hours=3), clock.now())):
                case_note_add(actor=manager, participant=p, body=body, sensitivity=sensitivity,
                              idempotency_key=f"demo-{p.pk}-{j}")  # fmt: skip

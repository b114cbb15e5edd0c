"""Shared test personas and helpers (CONVENTIONS habit 7). Imported by conftest.py and e2e."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadline.accounts.models import Agency, User
from leadline.accounts.roles import Role
from leadline.consents.accounting import accounting_request_record, restriction_record
from leadline.consents.documents import drawn_signature
from leadline.consents.models import Consent
from leadline.consents.services import consent_record
from leadline.core import clock
from leadline.core.models import ImportJob
from leadline.demo.seed import DEMO_SITE_FILE, demo_signature_png
from leadline.directory.models import Organization, Service, ServiceReferral, TaxonomyTerm
from leadline.directory.referrals import answer_token, link_nonce_ensure, referral_create
from leadline.legal.models import LegalMatter, NewCharge, Notice
from leadline.legal.services import matter_open
from leadline.messaging.services import thread_start
from leadline.notifications.models import Delivery, Notification
from leadline.participants.models import Participant
from leadline.participants.services import participant_match_keys_refresh
from leadline.referrals.models import Handoff, Referral
from leadline.referrals.services import (
    CommunityInput,
    ReferralInput,
    community_referral_submit,
    handoff_request,
    referral_submit,
)
from leadline.sites.models import EligibleOffence, Site
from leadline.sites.services import site_import, site_mark_demo
from leadline.workgroup.agenda import agenda_build
from leadline.workgroup.models import ActionItem, Meeting
from leadline.workgroup.services import member_add

PASSWORD = "correct horse battery staple 9"  # noqa: S105


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = Agency.Kind.CASE_MANAGEMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)
    agency = factory.SubFactory(AgencyFactory)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant
        skip_postgeneration_save = True

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    status = Participant.Status.ACTIVE
    engaged_at = factory.LazyAttribute(lambda o: clock.now() if o.status in ("engaged", "active") else None)
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyFunction(clock.now)

    @factory.post_generation
    def match_keys(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            participant_match_keys_refresh(participant=self)  # type: ignore[arg-type]


PERSONA_ROLES: dict[str, tuple[str, Role | None, str, str]] = {
    # persona key -> (username, role, agency, agency kind)
    "officer": ("olivia", Role.OFFICER, "Rochester Police Department", Agency.Kind.POLICE_DEPARTMENT),
    "police_liaison": (
        "sam",
        Role.POLICE_LIAISON,
        "Rochester Police Department",
        Agency.Kind.POLICE_DEPARTMENT,
    ),
    "case_manager": ("carmen", Role.CASE_MANAGER, "LEAD Case Management", Agency.Kind.CASE_MANAGEMENT),
    "outreach_worker": ("omar", Role.OUTREACH_WORKER, "LEAD Case Management", Agency.Kind.CASE_MANAGEMENT),
    "program_manager": ("paula", Role.PROGRAM_MANAGER, "LEAD Program Office", Agency.Kind.PROGRAM),
    "prosecutor": ("priya", Role.PROSECUTOR, "District Attorney", Agency.Kind.PROSECUTOR),
    "defender": ("dana", Role.DEFENDER, "Public Defender", Agency.Kind.DEFENDER),
    "provider_staff": ("pat", Role.PROVIDER_STAFF, "Open Door Housing", Agency.Kind.SERVICE_PROVIDER),
    "evaluator": ("ana", Role.EVALUATOR, "University Evaluation Team", Agency.Kind.EVALUATOR),
    "site_admin": ("adam", Role.SITE_ADMIN, "LEAD Program Office", Agency.Kind.PROGRAM),
    "no_role": ("oscar", None, "Open Door Housing", Agency.Kind.SERVICE_PROVIDER),
}


@dataclass
class World:
    users: dict[str, User]
    casey: User  # a second case manager
    mine: Participant  # on Carmen's caseload
    other: Participant  # on Casey's caseload
    referral: Referral  # by officer Olivia (Clinton Section), ineligible (an exclusion applies)
    other_referral: Referral  # by officer Otto (Genesee Section), eligible
    eligible: Referral  # by officer Olivia, eligible, with a hand-off requested
    community: Referral  # a community referral by provider Pat's organisation, waiting for the approver
    handoff: Handoff  # the LEAD-line request for ``eligible`` (nobody on call: paged to the program manager)
    consent: Consent  # ``mine``'s opt-in to tell the referring officer whether they engaged
    part2: Consent  # ``mine``'s signed 42 CFR 2.35 consent naming Priya's office, irrevocable until an event
    unsigned: Consent  # ``mine``'s 2.31 consent naming Dana's office, recorded but not signed yet
    matter: Any  # the legal matter ``eligible`` holds for ``mine`` (Dana defends it), clock running
    other_matter: Any  # the matter ``other_referral`` holds for ``other``: its window ran out, unmet
    notice: Any  # ``other_matter``'s return-to-ordinary-processing notice, awaiting confirmation
    charge: Any  # a new charge against ``mine``, flagged for the prosecutor's decision
    service: Any  # a directory service of Pat's organisation (Open Door Housing), verified today
    other_service: Any  # a service of another organisation (Genesee Recovery), never verified
    sref: Any  # Carmen's referral of ``mine`` to ``service`` (Pat's organisation), waiting for an answer
    meeting: Any = None  # a workgroup meeting tomorrow, its agenda built; every persona at the table a member
    action: Any = None  # an action item of that meeting, Carmen's, open
    delivery: Any = None  # an email notification to Carmen that was given up (for the outbox)
    thread: Any = None  # Paula's thread about ``mine`` with Carmen and Priya (under ``part2``), one message
    accounting: Any = None  # ``mine``'s request for an accounting of disclosures (42 CFR 2.25), open
    restriction: Any = None  # ``mine``'s agreed restriction (2.26): no substance-use progress to a defender

    def __getitem__(self, persona: str) -> User:
        return self.users[persona]


def make_user(persona: str) -> User:
    username, role, agency_name, kind = PERSONA_ROLES[persona]
    agency = AgencyFactory(name=agency_name, kind=kind)
    return UserFactory.create(
        username=username, role=role.value if role else "", agency=agency, is_staff=role is Role.SITE_ADMIN
    )


@dataclass
class SmallWorld:
    """The demo site and its people, and nothing else: one user per persona (``PERSONA_ROLES``, with the
    officers' precinct and the designated approver as in the world) and Casey, a second case manager. No
    participant, referral, consent, matter, listing, meeting or notification: for tests that only sign
    people in, or build what they need themselves."""

    users: dict[str, User]
    casey: User  # a second case manager

    def __getitem__(self, persona: str) -> User:
        return self.users[persona]


def make_small_world() -> SmallWorld:
    """Made again over a world (a test that asks for both), it finds the world's people: nothing doubles."""
    if not Site.objects.exists():
        site_mark_demo(site=site_import(actor=None, data=copy.deepcopy(DEMO_SITE_FILE)))
    users = {persona: make_user(persona) for persona in PERSONA_ROLES}
    precinct = Agency.objects.get(name="Clinton Section")
    for persona in ("officer", "police_liaison"):
        users[persona].precinct = precinct
        users[persona].save(update_fields=["precinct"])
    users["program_manager"].is_community_approver = True  # the designated approver
    users["program_manager"].save(update_fields=["is_community_approver"])
    casey: User = UserFactory.create(
        username="casey", role=Role.CASE_MANAGER.value, agency=users["case_manager"].agency
    )
    return SmallWorld(users=users, casey=casey)


def make_world() -> World:
    small = make_small_world()  # the same people, made in the same order
    users, casey = small.users, small.casey
    mine: Participant = ParticipantFactory.create(
        case_manager=users["case_manager"], last_known_whereabouts="Near the Public Market"
    )
    other: Participant = ParticipantFactory.create(case_manager=casey, last_known_whereabouts="Bus terminal")
    otto: User = UserFactory.create(
        username="otto",
        role=Role.OFFICER.value,
        agency=users["officer"].agency,
        precinct=Agency.objects.get(name="Genesee Section"),
    )
    referral = make_referral(users["officer"], exclusions_flagged=("violent_history",))
    other_referral = make_referral(otto)
    eligible = make_referral(users["officer"], given_name="Avery")
    handoff, _created = handoff_request(
        actor=users["officer"], referral=eligible, callback_phone="+1 585 555 0199"
    )
    community, _created = community_referral_submit(
        actor=users["provider_staff"],
        idempotency_key=uuid.uuid4().hex,
        data=CommunityInput(
            given_name="Sky",
            family_name="Ward",
            concern="Sleeping in the doorway every night",
            person_agrees=True,
            date_of_birth=date(1980, 1, 1),
        ),
    )
    consent, _created = consent_record(
        actor=users["case_manager"], participant=mine, kind="officer_feedback", method="verbal"
    )
    part2, _created = consent_record(
        actor=users["case_manager"],
        participant=mine,
        kind="criminal_justice",
        method="written",
        recipient_kind="prosecutor",
        recipient_agency=users["prosecutor"].agency,
        categories=("status", "attendance"),
        purpose="So the DA can follow my LEAD diversion",
        expires_on=clock.today() + timedelta(days=180),
        irrevocable=True,
        irrevocable_event="final disposition of the charge",
        signature=sample_signature(),
    )
    unsigned, _created = consent_record(
        actor=users["case_manager"],
        participant=mine,
        kind="part2",
        method="written",
        recipient_kind="defender",
        recipient_agency=users["defender"].agency,
        purpose="To help my lawyer with my case",
        expires_on=clock.today() + timedelta(days=90),
    )
    matter, other_matter, notice = _legal_matters(users, mine, other, eligible, other_referral)

    charge = NewCharge.objects.create(
        participant=mine,
        statute="PL 165.40",
        description="Criminal possession of stolen property, 5th",
        occurred_on=clock.today() - timedelta(days=3),
        source="entered",
        flagged_by=users["prosecutor"],
        flagged_at=clock.now(),
    )
    service, other_service = _directory(users)

    sref = referral_create(
        actor=users["case_manager"],
        participant=mine,
        service=service,
        reason="A room near the clinic",
        idempotency_key="world-sref",
    )
    meeting, action, delivery = _coordination(users)

    thread, _made = thread_start(
        actor=users["program_manager"],
        participant=mine,
        subject="Intake on Thursday",
        body="Can you cover the intake?",
        members=[users["case_manager"], users["prosecutor"]],
        idempotency_key="world-thread",
    )

    accounting, _made = accounting_request_record(
        actor=users["case_manager"], participant=mine, requested_by_name="The participant",
        received_on=clock.today(), idempotency_key="world-accounting",
    )  # fmt: skip
    restriction, _made = restriction_record(
        actor=users["case_manager"], participant=mine, categories=["sud_progress"], recipient_kind="defender",
        recipient_agency=None, request_text="Nothing about my treatment to my lawyer",
        requested_on=clock.today(), decision="agreed", reason="The participant asked",
        idempotency_key="world-restriction",
    )  # fmt: skip
    return World(
        accounting=accounting,
        restriction=restriction,
        thread=thread,
        meeting=meeting,
        action=action,
        delivery=delivery,
        sref=sref,
        service=service,
        other_service=other_service,
        charge=charge,
        matter=matter,
        other_matter=other_matter,
        notice=notice,
        consent=consent,
        part2=part2,
        unsigned=unsigned,
        users=users,
        casey=casey,
        mine=mine,
        other=other,
        referral=referral,
        other_referral=other_referral,
        eligible=eligible,
        handoff=handoff,
        community=community,
    )


def _coordination(users: dict[str, User]) -> tuple[Any, Any, Any]:
    """The workgroup (every persona whose role sits at the table is a member), tomorrow's meeting with its
    agenda, an open action item of Carmen's, and a given-up email in the notification outbox."""

    for persona in (
        "officer",
        "police_liaison",
        "case_manager",
        "outreach_worker",
        "program_manager",
        "prosecutor",
        "defender",
        "provider_staff",
    ):
        member_add(actor=users["program_manager"], user=users[persona])
    start = clock.now() + timedelta(days=1)
    meeting = Meeting.objects.create(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Room 204",
        created_by=users["program_manager"],
        created_at=clock.now(),
        idempotency_key="world-meeting",
    )
    agenda_build(actor=users["program_manager"], meeting=meeting)
    action = ActionItem.objects.create(
        meeting=meeting,
        text="Call the shelter",
        owner=users["case_manager"],
        due_on=clock.today() + timedelta(days=5),
        created_by=users["program_manager"],
        created_at=clock.now(),
    )
    told = Notification.objects.create(
        user=users["case_manager"],
        kind=Notification.Kind.MEETING,
        subject="A workgroup meeting in Leadline has changed",
        created_at=clock.now(),
    )
    delivery = Delivery.objects.create(
        notification=told,
        channel=Delivery.Channel.EMAIL,
        to="carmen@lead.example",
        body="…",
        status=Delivery.Status.FAILED,
        attempts=5,
        next_attempt_at=clock.now(),
        last_error="SMTPServerDisconnected",
    )
    return meeting, action, delivery


def _directory(users: dict[str, User]) -> tuple[Any, Any]:

    ours = Organization.objects.create(
        name="Open Door Housing",
        description="Housing first in Rochester.",
        agency=users["provider_staff"].agency,
        updated_at=clock.now(),
    )
    theirs = Organization.objects.create(
        name="Genesee Recovery", description="Outpatient treatment.", updated_at=clock.now()
    )
    service = Service.objects.create(
        organization=ours,
        name="Rapid rehousing",
        description="A room within weeks, with support.",
        languages=["en", "es"],
        capacity=4,
        last_verified_at=clock.now(),
        updated_at=clock.now(),
    )
    service.terms.add(TaxonomyTerm.objects.get(code="housing"))
    other_service = Service.objects.create(
        organization=theirs,
        name="Buprenorphine clinic",
        description="Same-day starts.",
        languages=["en"],
        updated_at=clock.now(),
    )
    other_service.terms.add(TaxonomyTerm.objects.get(code="moud"))
    return service, other_service


def _legal_matters(
    users: dict[str, User],
    mine: Participant,
    other: Participant,
    eligible: Referral,
    other_referral: Referral,
) -> tuple[Any, Any, Any]:

    matter = matter_open(actor=users["case_manager"], referral=eligible, participant=mine)
    LegalMatter.objects.filter(pk=matter.pk).update(defender=users["defender"])
    matter.refresh_from_db()
    other_matter = matter_open(actor=users["case_manager"], referral=other_referral, participant=other)
    LegalMatter.objects.filter(pk=other_matter.pk).update(state=LegalMatter.State.RETURN_SENT, version=2)
    other_matter.refresh_from_db()
    # The world's notice carries a stand-in document (generating a real one costs ~80 ms in every test);
    # leadline/legal/tests generate real notices through the clock.
    notice = Notice.objects.create(
        matter=other_matter,
        kind=Notice.Kind.RETURN,
        cycle=1,
        reference=f"LEAD-TEST-{other_matter.pk}",
        pdf=sample_signed_pdf(),
        sha256="",
        sent_to="The liaison prosecutor",
        generated_at=clock.now(),
    )
    return matter, other_matter, notice


def sample_signature_png() -> bytes:
    """A small drawn signature, as the signature pad sends it (PNG, transparent, with ink)."""
    return demo_signature_png()


def sample_signature_data_url() -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(sample_signature_png()).decode()


def sample_signed_pdf() -> bytes:
    """A plain one-page PDF, as a scanner makes of a signed paper."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sample_signature() -> Any:

    return drawn_signature(sample_signature_data_url())


def make_referral(officer: User, **overrides: Any) -> Referral:
    """An arrest diversion for possession under the cap, by ``officer`` (eligible unless overridden)."""
    offence = EligibleOffence.objects.get(statute="PL 220.03")
    fields: dict[str, Any] = {
        "door": "arrest_diversion",
        "given_name": "Jordan",
        "family_name": "Rivera",
        "person_agrees": True,
        "aggrieved_party": "none_present",
        "occurred_at": clock.now(),
        "date_of_birth": date(1990, 5, 17),
        "offence": offence,
        "drug_quantity_grams": Decimal("1.20"),
    }
    fields.update(overrides)
    referral, _created = referral_submit(
        actor=officer, data=ReferralInput(**fields), idempotency_key=uuid.uuid4().hex
    )
    return referral


def verified_client(user: User, client: Client | None = None, **kwargs: Any) -> Client:
    """A client signed in as ``user`` with a verified TOTP device, as after a real MFA sign-in."""
    client = client or Client(**kwargs)
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def endpoint_path(path: str, world: World, user: User | None, token_id: int = 0) -> str:
    """A path from the endpoint table of docs/permissions.md, with its placeholders filled for ``world``."""
    return path.format(
        mine=world.mine.pk,
        other=world.other.pk,
        missing=999999,
        me=user.pk if user else 0,
        token=token_id,
        referral=world.referral.pk,
        other_referral=world.other_referral.pk,
        eligible=world.eligible.pk,
        handoff=world.handoff.pk,
        community=world.community.pk,
        consent=world.consent.pk,
        part2=world.part2.pk,
        unsigned=world.unsigned.pk,
        cj="criminal_justice",
        p2="part2",
        feedback="officer_feedback",
        sig="signature",
        matter=world.matter.pk,
        other_matter=world.other_matter.pk,
        notice=world.notice.pk,
        charge=world.charge.pk,
        cd="court_date",
        service=world.service.pk,
        other_service=world.other_service.pk,
        sref=world.sref.pk,
        answer=_answer_token(world),
        meeting=world.meeting.pk,
        agenda_item=world.meeting.items.order_by("pk").first().pk,
        action=world.action.pk,
        delivery=world.delivery.pk,
        thread=world.thread.pk,
        accounting=world.accounting.pk,
        restriction=world.restriction.pk,
        feed=world.meeting.created_by.workgroup_member.calendar_token,
        job=_import_job(world) if "{job}" in path else "",
        waiting=_waiting_referral(world) if "{waiting}" in path else "",
    )


def _waiting_referral(world: World) -> int:
    """A social-contact referral by Olivia that nobody handed off: in the queue for a case manager."""
    referral = make_referral(
        world["officer"], door="social_contact", offence=None, drug_quantity_grams=None,
        verification="observed", verified_on=clock.today(), inside_catchment=True,
        given_name="Wren", family_name="Halvorsen", date_of_birth=date(1975, 9, 9),
    )  # fmt: skip
    return referral.pk


def _import_job(world: World) -> str:
    """A background import the prosecutor started (core.ImportJob): its page is hers alone."""

    job = ImportJob.objects.filter(owner=world["prosecutor"]).first() or ImportJob.objects.create(
        id=uuid.uuid4(), kind="legal", owner=world["prosecutor"], filename="court.csv", created_at=clock.now()
    )
    return str(job.pk)


def _answer_token(world: World) -> str:
    """A live answer link: Carmen's referral of ``mine`` to ``other_service``, whose organisation (Genesee
    Recovery) nobody signs in for and which answers by email."""

    Organization.objects.filter(pk=world.other_service.organization_id).update(
        email="intake@recovery.example"
    )
    made = referral_create(
        actor=world["case_manager"],
        participant=world.mine,
        service=world.other_service,
        reason="Same-day start",
        idempotency_key="world-answer-link",
    )
    return answer_token(
        link_nonce_ensure(ServiceReferral.objects.select_related("organization").get(pk=made.pk))
    )

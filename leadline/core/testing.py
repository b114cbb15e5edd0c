"""Shared test personas and helpers (CONVENTIONS habit 7). Imported by conftest.py and e2e."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadline.accounts.models import Agency, User
from leadline.accounts.roles import Role
from leadline.core import clock
from leadline.participants.models import Participant
from leadline.sites.models import Site

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

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    status = Participant.Status.ACTIVE
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyFunction(clock.now)


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

    def __getitem__(self, persona: str) -> User:
        return self.users[persona]


def make_user(persona: str) -> User:
    username, role, agency_name, kind = PERSONA_ROLES[persona]
    agency = AgencyFactory(name=agency_name, kind=kind)
    return UserFactory.create(
        username=username, role=role.value if role else "", agency=agency, is_staff=role is Role.SITE_ADMIN
    )


def make_world() -> World:
    Site.objects.get_or_create(
        name="Test County (test)",
        defaults={
            "time_zone": "America/New_York",
            "languages": ["en", "es"],
            "legal_mode": "expunge_after_participation",
        },
    )
    users = {persona: make_user(persona) for persona in PERSONA_ROLES}
    casey: User = UserFactory.create(
        username="casey", role=Role.CASE_MANAGER.value, agency=users["case_manager"].agency
    )
    mine: Participant = ParticipantFactory.create(
        case_manager=users["case_manager"], last_known_whereabouts="Near the Public Market"
    )
    other: Participant = ParticipantFactory.create(case_manager=casey, last_known_whereabouts="Bus terminal")
    return World(users=users, casey=casey, mine=mine, other=other)


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

"""Who sees which legal matters, and the countdowns the pages show.

A sealed matter is gone for every criminal-justice role (PRODUCT §4 rule 3): the prosecutor's and the
defender's lists, pages and notices never show it again. The program (case manager, program manager)
still sees that a matter was cleared, without the charge once it is purged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import CRIMINAL_JUSTICE_ROLES, Scope
from leadline.cases.models import Contact, Intake
from leadline.consents.policy import Info, may_disclose_each
from leadline.consents.services import disclosures_record
from leadline.consents.summaries import enrolment_open_to
from leadline.core import clock
from leadline.legal import clock as legal_clock
from leadline.legal.models import CourtCase, CourtDate, LegalMatter, NewCharge, Notice, Warrant
from leadline.legal.policy import without_sealed
from leadline.participants.models import Participant
from leadline.sites.selectors import site_get


@dataclass(frozen=True)
class Requirement:
    """Whether a matter's rule is met by its deadline, with what the decision read."""

    met: bool
    intake_on: date | None
    contacts: int
    contacts_needed: int


def requirement(matter: LegalMatter) -> Requirement:
    """What the rule reads, counting only what happened before the deadline (a late run of the task must
    not count a contact that came after it). No-file on intake: intake completed in the window. Expunge
    after participation (the site's definition, decision 0018): intake completed and at least the site's
    number of substantive contacts in which the participant was reached, both in the window. The window
    opens a day before the incident for both (a re-engaged person's old intake is not this incident's)."""

    opens = matter.incident_at - timedelta(days=1)
    intake = (
        Intake.objects.filter(participant=matter.participant_id, completed_at__isnull=False)
        .filter(completed_at__lt=matter.deadline_at, completed_at__gte=opens)
        .order_by("completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    contacts = 0
    if matter.mode == LegalMatter.Mode.EXPUNGE_AFTER_PARTICIPATION:
        contacts = Contact.objects.filter(
            participant=matter.participant_id, reached=True, substantive=True,
            occurred_at__lt=matter.deadline_at,
            occurred_at__gte=opens,
        ).count()  # fmt: skip
    met = intake is not None and contacts >= matter.contacts_needed
    return Requirement(
        met=met,
        intake_on=clock.local_date(intake) if intake else None,
        contacts=contacts,
        contacts_needed=matter.contacts_needed,
    )


def is_criminal_justice(user: User) -> bool:
    return getattr(user, "role", None) in CRIMINAL_JUSTICE_ROLES


def matters_visible_to(user: User) -> QuerySet[LegalMatter]:
    scope = policy.scope_of(user, "legal_matter.view")
    if scope is Scope.ALL:
        matters = LegalMatter.objects.all()
    elif scope is Scope.CASELOAD:
        matters = LegalMatter.objects.filter(participant__case_manager=user)
    elif scope is Scope.CLIENTS:
        matters = LegalMatter.objects.filter(defender=user)
    else:
        return LegalMatter.objects.none()
    matters = without_sealed(user, matters)
    # A purged matter names nobody: it lives on only in the sealing report.
    return matters.filter(participant__isnull=False, participant__merged_into__isnull=True)


def people_visible_to(user: User) -> QuerySet[Any]:
    """The participants whose legal records (other cases, court dates, warrants, new charges) this user
    may read. The program: all (program manager) or the caseload (case manager). A criminal-justice role
    never learns that someone is in LEAD from Leadline alone: the prosecutor reaches the people with an
    open (unsealed) diversion matter, and those whose consent in force names the office; a defender the
    clients they represent on an open matter.

    The consent half is the decision point's (``Info.ENROLMENT`` through ``consents.summaries``): a
    restriction the program agreed to (42 CFR 2.26) takes a person out of it, and each showing of someone
    reached only this way is a disclosure the page records (``record_consent_reach``)."""

    scope = policy.scope_of(user, "legal_matter.view")
    people = Participant.objects.filter(merged_into__isnull=True)
    if scope is Scope.ALL and not is_criminal_justice(user):
        return people
    if scope is Scope.CASELOAD:
        return people.filter(case_manager=user)
    if scope is Scope.ALL:
        return people.filter(
            Q(pk__in=matters_visible_to(user).values("participant_id"))
            | Q(pk__in=list(enrolment_open_to(user)))
        )
    if scope is Scope.CLIENTS:
        return people.filter(pk__in=matters_visible_to(user).values("participant_id"))
    return people.none()


def consent_reach(*, user: User, participant_ids: Iterable[int | None]) -> dict[int, Any]:
    """participant id -> the consent through which this criminal-justice role reaches the person, for
    those among ``participant_ids`` it reaches only that way (a consent naming its office, no open matter of
    theirs it may read). Showing them anything tells that the person is in LEAD: a disclosure under that
    consent. The people reached through a legal matter are not disclosures under a consent: not here."""

    ids = {pid for pid in participant_ids if pid}
    if (
        not ids
        or not is_criminal_justice(user)
        or policy.scope_of(user, "legal_matter.view") is not Scope.ALL
    ):
        return {}
    ids -= set(
        matters_visible_to(user).filter(participant_id__in=ids).values_list("participant_id", flat=True)
    )
    enrol = may_disclose_each(recipient=user, participant_ids=ids, infos=[Info.ENROLMENT])[Info.ENROLMENT]
    return {pid: c for pid in sorted(ids) if (c := enrol.consent(pid)) is not None}


def record_consent_reach(*, user: User, participant_ids: Iterable[int | None], channel: str = "page") -> Any:
    """Log the showing of the people ``consent_reach`` finds as disclosures of their enrolment under their
    consent. Returns the 42 CFR 2.32 notice the page must show with it (None when nothing went out under a
    Part 2 consent)."""

    reached = consent_reach(user=user, participant_ids=participant_ids)
    shown = {pid: (consent, [str(Info.ENROLMENT)]) for pid, consent in reached.items()}
    return disclosures_record(recipient=user, shown=shown, channel=channel)


def new_charges_visible_to(user: User) -> QuerySet[NewCharge]:
    return NewCharge.objects.filter(participant__in=people_visible_to(user))


@dataclass(frozen=True)
class Countdown:
    matter_id: int
    last_day: date
    days_left: int
    warning: bool  # inside the site's warning period (or past the deadline)
    state: str


def countdown(matter: LegalMatter, *, warning_days: int, tz: str) -> Countdown:
    left = legal_clock.days_left(matter.incident_at, matter.days, clock.now(), tz)
    return Countdown(
        matter_id=matter.pk,
        last_day=legal_clock.last_day(matter.incident_at, matter.days, tz),
        days_left=left,
        warning=left <= warning_days,
        state=matter.state,
    )


def _site_clock() -> tuple[int, str]:
    site = site_get()
    return (site.legal_warning_days if site else 7), (site.time_zone if site else "UTC")


HOLDS_PER_PAGE = 50


def workspace_for(user: User, page_number: Any = None) -> dict[str, Any]:
    """The liaison prosecutor's (or a defender's, or the program's) legal workspace: notices awaiting
    confirmation, the holds by deadline (the nearest first, 50 a page), new charges waiting for a decision,
    court dates in the next 30 days and active warrants. A fixed number of queries whatever the count."""
    from django.core.paginator import Paginator

    warning_days, tz = _site_clock()
    visible = matters_visible_to(user)
    pending = list(
        Notice.objects.filter(matter__in=visible, confirmed_at__isnull=True, withdrawn_at__isnull=True)
        .defer("pdf").select_related("matter__participant").order_by("generated_at")[:200]
    )  # fmt: skip
    held = (
        visible.filter(state=LegalMatter.State.HELD)
        .select_related("participant", "agency").prefetch_related("charges").order_by("deadline_at", "pk")
    )  # fmt: skip
    page = Paginator(held, HOLDS_PER_PAGE).get_page(page_number)
    people = people_visible_to(user)
    now = clock.now()
    return {
        "awaiting": [(n.matter, n) for n in pending],
        "holds": [(m, countdown(m, warning_days=warning_days, tz=tz)) for m in page],
        "page": page,
        "warning_days": warning_days,
        "new_charges": list(
            NewCharge.objects.filter(participant__in=people, decision=NewCharge.Decision.PENDING)
            .select_related("participant").order_by("flagged_at")[:100]
        ),
        "court_dates": list(
            CourtDate.objects.filter(participant__in=people, at__gte=now, at__lt=now + timedelta(days=30))
            .select_related("participant").order_by("at")[:100]
        ),
        "warrants": list(
            Warrant.objects.filter(participant__in=people, status=Warrant.Status.ACTIVE)
            .select_related("participant").order_by("issued_on")[:100]
        ),
    }  # fmt: skip


def person_records(*, user: User, participant_id: int) -> dict[str, Any]:
    """Everything legal about one participant that this user may read (raises DoesNotExist otherwise)."""
    person = people_visible_to(user).get(pk=participant_id)
    warning_days, tz = _site_clock()
    matters = list(
        matters_visible_to(user)
        .filter(participant=person)
        .prefetch_related("charges")
        .order_by("-incident_at")
    )
    return {
        "person": person,
        "matters": [(m, countdown(m, warning_days=warning_days, tz=tz)) for m in matters],
        "cases": list(CourtCase.objects.filter(participant=person).order_by("status", "-created_at")),
        "court_dates": list(
            CourtDate.objects.filter(participant=person).select_related("case").order_by("-at")[:50]
        ),
        "warrants": list(Warrant.objects.filter(participant=person).order_by("status", "-issued_on")),
        "new_charges": list(
            NewCharge.objects.filter(participant=person).select_related("decided_by").order_by("-flagged_at")
        ),
    }


def rule_so_far_for(*, user: User, matter: LegalMatter) -> Any:
    """What the rule has read so far (intake date, contacts) — program information: never for a
    criminal-justice role, who learns only the outcome from the notice (progress goes through a 2.35
    consent)."""
    if matter.state != LegalMatter.State.HELD or is_criminal_justice(user):
        return None
    return requirement(matter)


def matter_get_for(*, user: User, matter_id: int) -> LegalMatter:
    return (
        matters_visible_to(user)
        .select_related("participant", "agency", "defender", "referral")
        .prefetch_related("charges", "extensions__granted_by")
        .get(pk=matter_id)
    )


def notices_of(matter: LegalMatter) -> list[Notice]:
    return list(Notice.objects.filter(matter=matter).defer("pdf").select_related("confirmed_by"))


def clocks_for_participants(*, user: User, participant_ids: list[int]) -> dict[int, list[Countdown]]:
    """The running clocks of these participants, for the pages of those who must act before they run
    out (the case manager, outreach, the program manager): the deadline only, never the charge."""
    scope = policy.scope_of(user, "legal_clock.view")
    if not participant_ids or scope is None:
        return {}
    warning_days, tz = _site_clock()
    out: dict[int, list[Countdown]] = {}
    matters = LegalMatter.objects.filter(
        participant_id__in=participant_ids, state=LegalMatter.State.HELD
    ).only("pk", "participant_id", "incident_at", "window_days", "extension_days", "state")
    if scope is Scope.CASELOAD:
        matters = matters.filter(participant__case_manager=user)
    for m in matters.order_by("deadline_at"):
        if m.participant_id is not None:
            out.setdefault(m.participant_id, []).append(countdown(m, warning_days=warning_days, tz=tz))
    return out


def sealing_report() -> list[LegalMatter]:
    """What was sealed and purged: matter numbers, dates and counts, never a name or a charge."""
    return list(
        LegalMatter.objects.filter(sealed_at__isnull=False)
        .only("pk", "sealed_at", "purged_at", "purge_counts", "mode", "created_at")
        .order_by("-sealed_at")
    )

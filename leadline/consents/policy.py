"""The one decision point: may this information about this participant go to this recipient now?

Every view that shows participant information to someone outside the program (a referring officer, the
liaison prosecutor, a defender, a service provider) asks ``may_disclose`` and then records what it showed
with ``consents.services.disclosures_record`` (this module decides; the service writes). Nothing else in
the code reads consents to decide a disclosure.

The answer is yes only when all of these hold:
1. the data firewall lets the recipient's role see that class of information at all (PRODUCT.md §4 rule
   1: no consent opens treatment content to a criminal-justice role);
2. a consent of a kind that may carry that information is in force today: signed (Part 2 kinds), not
   revoked or otherwise ended, not past its expiry date;
3. the consent names that information;
4. the consent names the recipient: their role matches the recipient kind, their organisation is the
   named one, and for officer feedback they referred this participant;
5. no restriction the program agreed to at the participant's request (42 CFR 2.26) keeps that information
   from that recipient (``DisclosureRestriction``, until it is lifted); one naming enrolment keeps
   everything from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, TextChoices
from django.utils.translation import gettext_lazy as _

from leadline.accounts import policy as access_policy
from leadline.accounts.models import User
from leadline.accounts.roles import DataClass, Role
from leadline.consents.models import Consent, DisclosureNotice, DisclosureRestriction
from leadline.consents.selectors import _today
from leadline.participants.referrers import referred_by


class Info(TextChoices):
    """What may leave the program, in the words the consent form uses."""

    ENGAGEMENT = "engagement", _("whether I engaged with LEAD (yes or not yet)")
    HOUSED = "housed", _("whether I am housed, from my monthly status")
    ENROLMENT = "enrolment", _("that I take part in LEAD, since when, and my case manager's name")
    STATUS = "status", _("my LEAD status (active, inactive, exited) and whether my intake is done")
    ATTENDANCE = "attendance", _("how often I met my case manager (counts only: no places, nothing said)")
    PLAN_PROGRESS = "plan_progress", _("progress on my plan goals, except health and substance use")
    LIVING = "living", _("my monthly housing, employment and income status")
    SUD_PROGRESS = (
        "sud_progress",
        _("progress on my substance-use goals (substance-use treatment information)"),
    )
    REFERRAL = (
        "referral",
        _("when my case manager refers me to a service of theirs: my name, phone, language and what for"),
    )


# The data class each piece of information belongs to; the firewall speaks in these.
INFO_DATA_CLASS: dict[str, DataClass] = {
    Info.ENGAGEMENT: DataClass.OPERATIONAL,
    Info.HOUSED: DataClass.OPERATIONAL,
    Info.ENROLMENT: DataClass.OPERATIONAL,
    Info.STATUS: DataClass.OPERATIONAL,
    Info.ATTENDANCE: DataClass.OPERATIONAL,
    Info.PLAN_PROGRESS: DataClass.OPERATIONAL,
    Info.LIVING: DataClass.OPERATIONAL,
    Info.SUD_PROGRESS: DataClass.SUBSTANCE_USE,
    Info.REFERRAL: DataClass.IDENTITY,
}

# What each kind of consent may carry. Enrolment is part of every Part 2 consent: showing anything at
# all to a recipient tells them the person is in LEAD.
KIND_INFO: dict[str, tuple[str, ...]] = {
    Consent.Kind.OFFICER_FEEDBACK: (Info.ENGAGEMENT, Info.HOUSED),
    Consent.Kind.CRIMINAL_JUSTICE: (
        Info.ENROLMENT, Info.STATUS, Info.ATTENDANCE, Info.PLAN_PROGRESS, Info.LIVING,
    ),
    Consent.Kind.PART2: (
        Info.ENROLMENT, Info.STATUS, Info.ATTENDANCE, Info.PLAN_PROGRESS, Info.LIVING, Info.SUD_PROGRESS,
        Info.REFERRAL,
    ),
}  # fmt: skip
REQUIRED_INFO: dict[str, tuple[str, ...]] = {
    Consent.Kind.OFFICER_FEEDBACK: (Info.ENGAGEMENT,),
    Consent.Kind.CRIMINAL_JUSTICE: (Info.ENROLMENT,),
    Consent.Kind.PART2: (Info.ENROLMENT,),
}

# Who each kind may name (2.35 is for the criminal-justice system that holds the charge).
KIND_RECIPIENTS: dict[str, tuple[str, ...]] = {
    Consent.Kind.OFFICER_FEEDBACK: (Consent.RecipientKind.REFERRING_OFFICER,),
    Consent.Kind.CRIMINAL_JUSTICE: (Consent.RecipientKind.PROSECUTOR,),
    Consent.Kind.PART2: (Consent.RecipientKind.DEFENDER, Consent.RecipientKind.PROVIDER),
}

# The role a recipient must hold, per recipient kind.
RECIPIENT_ROLE: dict[str, Role] = {
    Consent.RecipientKind.REFERRING_OFFICER: Role.OFFICER,
    Consent.RecipientKind.PROSECUTOR: Role.PROSECUTOR,
    Consent.RecipientKind.DEFENDER: Role.DEFENDER,
    Consent.RecipientKind.PROVIDER: Role.PROVIDER_STAFF,
}
ROLE_RECIPIENT: dict[Role, str] = {role: kind for kind, role in RECIPIENT_ROLE.items()}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # allowed | firewall | no_consent | not_named | restricted
    consent: Consent | None = None


@dataclass
class Answers:
    """participant id -> Decision, for one recipient and one piece of information."""

    info: str
    decisions: dict[int, Decision] = field(default_factory=dict)

    def allowed(self, participant_id: int | None) -> bool:
        d = self.decisions.get(participant_id or 0)
        return bool(d and d.allowed)

    def consent(self, participant_id: int | None) -> Consent | None:
        d = self.decisions.get(participant_id or 0)
        return d.consent if d and d.allowed else None


def today() -> date:

    return _today()


def in_force_q(on: date) -> Q:
    """Consents in force on a date: open, signed where a signature is needed, not past expiry."""
    return (
        Q(ended_at__isnull=True)
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        & (Q(kind=Consent.Kind.OFFICER_FEEDBACK) | Q(signed_at__isnull=False))
    )


def may_disclose(*, recipient: User, participant_ids: Iterable[int], info: str) -> Answers:
    """The decision for one piece of information, for many participants at once."""
    return may_disclose_each(recipient=recipient, participant_ids=participant_ids, infos=[info])[info]


def may_disclose_each(
    *, recipient: User, participant_ids: Iterable[int], infos: Iterable[str]
) -> dict[str, Answers]:
    """The decision for several pieces of information and many participants: three queries at most,
    whatever their number."""
    ids = sorted({pid for pid in participant_ids if pid})
    wanted = list(dict.fromkeys(infos))
    answers = {info: Answers(info=info) for info in wanted}
    if not ids:
        return answers
    role = access_policy.role_of(recipient)
    recipient_kind = ROLE_RECIPIENT.get(role) if role else None
    for info in wanted:
        if role is None or not access_policy.firewall_allows(recipient, INFO_DATA_CLASS[info]):
            answers[info].decisions = {pid: Decision(False, "firewall") for pid in ids}
        else:
            answers[info].decisions = {pid: Decision(False, "no_consent") for pid in ids}
    open_infos = [i for i in wanted if answers[i].decisions[ids[0]].reason != "firewall"]
    kinds = [
        k for k, carried in KIND_INFO.items()
        if recipient_kind in KIND_RECIPIENTS[k] and any(i in carried for i in open_infos)
    ]  # fmt: skip
    if recipient_kind is None or not kinds:
        return answers
    rows = list(
        Consent.objects.filter(
            in_force_q(today()), participant_id__in=ids, kind__in=kinds, recipient_kind=recipient_kind
        )
    )
    referred: set[int] = set()
    if recipient_kind == Consent.RecipientKind.REFERRING_OFFICER and rows:
        referred = referred_by(recipient, ids)
    for consent in rows:
        pid = consent.participant_id
        recipient_named = (recipient_kind != Consent.RecipientKind.REFERRING_OFFICER or pid in referred) and (
            consent.recipient_agency_id == getattr(recipient, "agency_id", None)
            if consent.is_part2  # a Part 2 consent names its organisation; without one it opens nothing
            else consent.recipient_agency_id is None
        )
        for info in open_infos:
            if info not in KIND_INFO[consent.kind]:
                continue
            named = recipient_named and info in consent.categories
            verdict = Decision(True, "allowed", consent) if named else Decision(False, "not_named", consent)
            if verdict.allowed or not answers[info].decisions[pid].allowed:
                answers[info].decisions[pid] = verdict
    _apply_restrictions(answers, recipient, recipient_kind)
    return answers


def _apply_restrictions(answers: dict[str, Answers], recipient: User, recipient_kind: str) -> None:
    """An agreed, unlifted restriction (42 CFR 2.26) refuses what it names to the recipient it names (a
    kind of recipient, or one organisation of that kind), whatever a consent allows. One naming enrolment
    refuses everything to that recipient: showing anything at all (a status line, a thread, an agenda item,
    a referral's details) tells them the person is in LEAD."""
    allowed = {pid for a in answers.values() for pid, d in a.decisions.items() if d.allowed}
    if not allowed:
        return
    agency_id = getattr(recipient, "agency_id", None)
    restrictions = DisclosureRestriction.objects.filter(
        Q(recipient_agency__isnull=True) | Q(recipient_agency_id=agency_id),
        participant_id__in=allowed, decision=DisclosureRestriction.Decision.AGREED, lifted_at__isnull=True,
        recipient_kind=recipient_kind,
    ).values_list("participant_id", "categories")  # fmt: skip
    for pid, categories in restrictions:
        named = set(answers) if Info.ENROLMENT in (categories or ()) else set(categories or ())
        for info in named:
            decision = answers[info].decisions.get(pid) if info in answers else None
            if decision is not None and decision.allowed:
                answers[info].decisions[pid] = Decision(False, "restricted", decision.consent)


def current_notice() -> DisclosureNotice | None:
    on = today()
    return DisclosureNotice.objects.filter(effective_from__lte=on).order_by("-effective_from", "-id").first()

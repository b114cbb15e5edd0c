"""Progress summaries for recipients outside the program (the liaison prosecutor, a defender, a service
provider): only what each participant's consent names, decided by consents.policy.may_disclose, and each
showing logged as a disclosure with the 2.32 notice.

Never in a summary: case notes, contact places or summaries, goal texts, intake answers, whereabouts.
The query count is fixed whatever the number of participants, contacts or goals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from leadline.accounts.models import User
from leadline.accounts.policy import role_of
from leadline.cases.models import Contact, Intake, MonthlyStatus, PlanGoal
from leadline.consents.models import Consent, DisclosureNotice
from leadline.consents.policy import (
    ROLE_RECIPIENT,
    Info,
    in_force_q,
    may_disclose_each,
    today,
)
from leadline.consents.services import disclosures_record
from leadline.core import clock
from leadline.participants.models import Participant

NON_CLINICAL_DOMAINS = ("housing", "income", "employment", "legal", "id_documents", "family", "safety")


@dataclass
class Summary:
    participant_id: int
    name: str
    consent: Consent
    shown: list[str] = field(default_factory=list)  # the Info codes this summary carries
    enrolled_on: date | None = None
    case_manager: str = ""
    status: str = ""
    intake_done_on: date | None = None
    contacts_30: int | None = None
    contacts_90: int | None = None
    last_reached_on: date | None = None
    goals: list[dict[str, Any]] = field(default_factory=list)
    sud_goals: list[dict[str, Any]] = field(default_factory=list)
    months: list[Any] = field(default_factory=list)


def enrolment_open_to(user: User) -> dict[int, Consent]:
    """participant id -> the consent under which this recipient may be told now that the person is in LEAD
    (``Info.ENROLMENT``, decided by the decision point: a consent in force naming the recipient's kind and
    organisation, and no restriction keeping it back). Three queries, whatever the number of people."""

    role = role_of(user)
    kind = ROLE_RECIPIENT.get(role) if role else None
    if kind is None or kind == Consent.RecipientKind.REFERRING_OFFICER:
        return {}
    ids = set(
        Consent.objects.filter(
            in_force_q(today()), recipient_kind=kind, recipient_agency_id=getattr(user, "agency_id", None),
            participant__merged_into__isnull=True,
        ).values_list("participant_id", flat=True)
    )  # fmt: skip
    enrol = may_disclose_each(recipient=user, participant_ids=ids, infos=[Info.ENROLMENT])[Info.ENROLMENT]
    return {pid: c for pid in sorted(ids) if (c := enrol.consent(pid)) is not None}


def candidates_for(user: User) -> Any:
    """Participants this recipient may be told are in LEAD now (``enrolment_open_to``), as a queryset (the
    list pages paginate it in the database; the decision point still decides, per piece of information).
    A restricted person is not among them, so no count or page tells of them."""

    return Participant.objects.filter(pk__in=list(enrolment_open_to(user)), merged_into__isnull=True)


def summaries_for(
    *, user: User, participant_ids: list[int], full: bool, channel: str
) -> tuple[list[Summary], DisclosureNotice | None]:
    """The summaries this user may read now, and the notice that must go with them. ``full`` False gives
    the list view (enrolment only); True gives every piece of information each consent names."""

    wanted = (
        [Info.STATUS, Info.ATTENDANCE, Info.PLAN_PROGRESS, Info.LIVING, Info.SUD_PROGRESS] if full else []
    )
    answers = may_disclose_each(
        recipient=user, participant_ids=participant_ids, infos=[Info.ENROLMENT, *wanted]
    )
    enrol = answers[Info.ENROLMENT]
    ids = [pid for pid in participant_ids if enrol.allowed(pid)]
    people = {
        p.pk: p
        for p in Participant.objects.filter(pk__in=ids, merged_into__isnull=True)
        .select_related("case_manager").only(
            "pk", "given_name", "family_name", "status", "engaged_at", "created_at",
            "last_reached_at", "case_manager__first_name", "case_manager__last_name",
        )
    }  # fmt: skip
    ids = [pid for pid in ids if pid in people]  # a merged duplicate is never summarised
    if not ids:
        return [], None
    wanted = (
        [Info.STATUS, Info.ATTENDANCE, Info.PLAN_PROGRESS, Info.LIVING, Info.SUD_PROGRESS] if full else []
    )
    allowed = {info: [pid for pid in ids if answers[info].allowed(pid)] for info in wanted}
    out: dict[int, Summary] = {}
    for pid in ids:
        p = people[pid]
        consent = enrol.consent(pid)
        assert consent is not None
        out[pid] = Summary(
            participant_id=pid, name=f"{p.given_name} {p.family_name}", consent=consent,
            shown=[Info.ENROLMENT],
            enrolled_on=clock.local_date(p.engaged_at or p.created_at),
            case_manager=p.case_manager.get_full_name() if p.case_manager else "",
        )  # fmt: skip
    for pid in allowed.get(Info.STATUS, []):
        out[pid].status = people[pid].get_status_display()
        out[pid].shown.append(Info.STATUS)
    if allowed.get(Info.STATUS):
        done = Intake.objects.filter(participant_id__in=allowed[Info.STATUS], completed_at__isnull=False)
        for row in done.values("participant_id").annotate(last=Max("completed_at")):
            out[row["participant_id"]].intake_done_on = clock.local_date(row["last"])
    if allowed.get(Info.ATTENDANCE):
        now = timezone.now()
        rows = (
            Contact.objects.filter(
                participant_id__in=allowed[Info.ATTENDANCE],
                reached=True,
                occurred_at__gte=now - timedelta(days=90),
            )
            .values("participant_id")
            .annotate(n90=Count("id"), n30=Count("id", filter=Q(occurred_at__gte=now - timedelta(days=30))))
        )
        counts: dict[int, tuple[int, int]] = {r["participant_id"]: (r["n30"], r["n90"]) for r in rows}
        for pid in allowed[Info.ATTENDANCE]:
            s = out[pid]
            s.contacts_30, s.contacts_90 = counts.get(pid, (0, 0))
            last = people[pid].last_reached_at
            s.last_reached_on = clock.local_date(last) if last else None
            s.shown.append(Info.ATTENDANCE)
    goal_ids = set(allowed.get(Info.PLAN_PROGRESS, [])) | set(allowed.get(Info.SUD_PROGRESS, []))
    if goal_ids:
        goals = PlanGoal.objects.filter(participant_id__in=goal_ids).order_by("created_at", "id")
        for g in goals.only("participant_id", "domain", "state", "progress"):
            goal: dict[str, Any] = {
                "domain": g.get_domain_display(),
                "state": g.get_state_display(),
                "progress": g.get_progress_display(),
            }
            if g.domain in NON_CLINICAL_DOMAINS and g.participant_id in allowed.get(Info.PLAN_PROGRESS, []):
                out[g.participant_id].goals.append(goal)
            elif g.domain == "substance_use" and g.participant_id in allowed.get(Info.SUD_PROGRESS, []):
                out[g.participant_id].sud_goals.append(goal)
        for pid in allowed.get(Info.PLAN_PROGRESS, []):
            out[pid].shown.append(Info.PLAN_PROGRESS)
        for pid in allowed.get(Info.SUD_PROGRESS, []):
            out[pid].shown.append(Info.SUD_PROGRESS)
    if allowed.get(Info.LIVING):
        since = clock.today().replace(day=1) - timedelta(days=93)
        for m in MonthlyStatus.objects.filter(participant_id__in=allowed[Info.LIVING], month__gte=since):
            out[m.participant_id].months.append(m)
        for pid in allowed[Info.LIVING]:
            out[pid].shown.append(Info.LIVING)
    summaries = sorted(out.values(), key=lambda s: s.name.lower())
    notice = disclosures_record(
        recipient=user,
        shown={s.participant_id: (s.consent, list(s.shown)) for s in summaries},
        channel=channel,
    )
    return summaries, notice

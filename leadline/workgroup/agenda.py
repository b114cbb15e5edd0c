"""The workgroup's agenda (issue #8, item 1): built from what happened since the last meeting, and read by
each member through their role and the participant's consents.

Building (``agenda_build``) takes, for the window from the previous meeting (or the last 14 days) to this
one: new referrals; participants with new police contact (a new referral of someone already in LEAD, or
a new warrant); new charges; legal deadlines within 7 days of the meeting; participants inactive for more
than 30 days; and the items of the previous meeting nobody marked discussed. Each item remembers its
source, so building again adds only what is new.

Reading (``item_views``) decides, item by item, what this member may see of it:
- the program (program manager; a case manager for their own caseload) reads the item whole; a case
  manager sees other caseloads' items as name and kind (the limited card);
- outreach workers see who is inactive, to find them (name and days), and nothing else;
- the liaison prosecutor reads the legal items (charges, deadlines, warrants, new diversions) and, only
  under a 2.35 consent naming their office, whether the participant is active; a defender the same for
  their own clients;
- a referring officer reads only their own referrals' people, and only the phrases the participant's
  officer-feedback consent prints ("Engaged with LEAD: yes / not yet", "Housed: yes / not yet" when it names
  housing; consents.wording.FEEDBACK_ANSWERS), under that consent (the one decision point, each showing
  logged); a police liaison reads nothing about individuals;
- a provider reads only that someone its organisation was referred to is out of touch (the inactive items),
  under a consent naming it for status — never a legal event;
- sealed legal matters never reach a criminal-justice role.
Items a member may not read are counted, not shown ("3 more items are not shared with you").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents.policy import Info, may_disclose
from leadline.consents.services import disclosures_record
from leadline.consents.wording import feedback_phrase
from leadline.core import clock
from leadline.directory.models import ServiceReferral
from leadline.legal.models import LegalMatter, NewCharge, Warrant
from leadline.legal.policy import sealed_from
from leadline.legal.selectors import consent_reach, people_visible_to
from leadline.participants.models import Participant
from leadline.referrals.models import Referral
from leadline.referrals.selectors import OUTCOME_ENGAGED, OUTCOME_NOT_YET, referral_outcomes_for
from leadline.workgroup.models import AgendaItem, Meeting
from leadline.workgroup.policy import AgendaReader, agenda_reader

K = AgendaItem.Kind
DEFAULT_WINDOW = timedelta(days=14)
DEADLINE_AHEAD = timedelta(days=7)
INACTIVE_FOR = timedelta(days=30)


def window_for(meeting: Meeting) -> tuple[datetime, datetime]:
    previous = (
        Meeting.objects.filter(starts_at__lt=meeting.starts_at)
        .exclude(pk=meeting.pk)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    return (previous.starts_at if previous else meeting.starts_at - DEFAULT_WINDOW), meeting.starts_at


def _candidates(meeting: Meeting) -> list[dict[str, Any]]:

    start, end = window_for(meeting)
    found: list[dict[str, Any]] = []
    for r in Referral.objects.filter(created_at__gte=start, created_at__lt=end).select_related("participant"):
        already = r.participant_id and r.participant and r.participant.created_at < r.created_at
        found.append(
            {
                "kind": K.POLICE_CONTACT if already else K.NEW_REFERRAL,
                "source_key": f"referral:{r.pk}",
                "referral": r,
                "participant_id": r.participant_id,
                "happened_on": clock.local_date(r.occurred_at),
            }
        )
    for w in Warrant.objects.filter(created_at__gte=start, created_at__lt=end):
        found.append(
            {
                "kind": K.POLICE_CONTACT,
                "source_key": f"warrant:{w.pk}",
                "participant_id": w.participant_id,
                "happened_on": w.issued_on,
            }
        )
    for c in NewCharge.objects.filter(flagged_at__gte=start, flagged_at__lt=end):
        found.append(
            {
                "kind": K.NEW_CHARGE,
                "source_key": f"charge:{c.pk}",
                "participant_id": c.participant_id,
                "happened_on": c.occurred_on,
            }
        )
    soon = LegalMatter.objects.filter(
        state=LegalMatter.State.HELD,
        deadline_at__gte=end - timedelta(days=1),
        deadline_at__lt=end + DEADLINE_AHEAD,
        sealed_at__isnull=True,
    )
    for m in soon:
        found.append(
            {
                "kind": K.DEADLINE,
                "source_key": f"deadline:{m.pk}:{m.cycle}",
                "matter": m,
                "participant_id": m.participant_id,
                "due_on": clock.local_date(m.deadline_at),
            }
        )
    quiet_since = end - INACTIVE_FOR
    inactive = Participant.objects.filter(
        status=Participant.Status.INACTIVE, merged_into__isnull=True
    ).exclude(last_contact_at__gte=quiet_since)
    for p in inactive:
        found.append(
            {
                "kind": K.INACTIVE,
                "source_key": f"inactive:{p.pk}",
                "participant_id": p.pk,
                "happened_on": clock.local_date(p.last_contact_at) if p.last_contact_at else None,
            }
        )
    previous = (
        Meeting.objects.filter(starts_at__lt=meeting.starts_at)
        .exclude(pk=meeting.pk)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    if previous is not None:
        for item in previous.items.filter(discussed=False):
            origin = item.carried_from_id or item.pk
            found.append(
                {
                    "kind": K.CARRIED_OVER,
                    "source_key": f"carried:{origin}",
                    "carried_from": item,
                    "participant_id": item.participant_id,
                    "referral": item.referral,
                    "matter": item.matter,
                    "due_on": item.due_on,
                    "happened_on": item.happened_on,
                }
            )
    return found


def agenda_build(*, actor: User, meeting: Meeting) -> int:
    """Add to the meeting's agenda what happened since the last meeting. Returns how many items were
    added; building again adds only new ones."""

    added = 0
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        have = set(meeting.items.values_list("source_key", flat=True))
        position = meeting.items.count()
        for item in _candidates(meeting):
            if item["source_key"] in have:
                continue
            position += 1
            try:
                with transaction.atomic():
                    AgendaItem.objects.create(meeting=meeting, position=position, **item)
            except IntegrityError:  # built at the same moment elsewhere
                continue
            added += 1
        Meeting.objects.filter(pk=meeting.pk).update(agenda_built_at=clock.now())
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="workgroup_meeting",
            subject_id=meeting.pk,
            changes={"agenda_items_added": added},
        )
    return added


# Reading ---------------------------------------------------------------------------------------------------
@dataclass
class ItemView:
    item: AgendaItem
    title: str  # what the item is, as this member may read it
    who: str = ""  # the participant's name, when this member may know it
    lines: list[str] = field(default_factory=list)
    full: bool = False  # the program's full view (links to the record, decisions, actions)


@dataclass
class AgendaView:
    items: list[ItemView]
    hidden: int


def _name(p: Any) -> str:
    return f"{p.preferred_name or p.given_name} {p.family_name}"


def _program_lines(item: AgendaItem) -> list[str]:
    lines: list[str] = []
    if item.referral_id and item.referral:
        r = item.referral
        lines.append(
            _("Referred by %(who)s, %(door)s, %(day)s")
            % {
                "who": r.referred_by.get_full_name() if r.referred_by_id else "—",
                "door": r.get_door_display(),
                "day": clock.local_date(r.occurred_at),
            }
        )
    if item.due_on:
        lines.append(_("Deadline: %(day)s") % {"day": item.due_on})
    if item.kind == K.INACTIVE and item.happened_on:
        lines.append(_("Last contact: %(day)s") % {"day": item.happened_on})
    elif item.kind == K.INACTIVE:
        lines.append(_("No contact recorded"))
    elif item.happened_on:
        lines.append(_("On %(day)s") % {"day": item.happened_on})
    if item.carried_from_id:
        lines.append(_("Carried over from the last meeting"))
    return lines


LEGAL_KINDS = (K.NEW_CHARGE, K.DEADLINE, K.POLICE_CONTACT)


def _legal_lines(item: AgendaItem) -> list[str]:
    """What a prosecutor or defender reads of a legal item: its dates, never who referred or how."""
    lines: list[str] = []
    if item.due_on:
        lines.append(_("Deadline: %(day)s") % {"day": item.due_on})
    elif item.happened_on:
        lines.append(_("On %(day)s") % {"day": item.happened_on})
    if item.carried_from_id:
        lines.append(_("Carried over from the last meeting"))
    return lines


def _matter_of(item: Any) -> Any:
    """The legal matter an item is about: its own, or the one its referral opened (if any)."""
    from django.core.exceptions import ObjectDoesNotExist

    if item.matter_id:
        return item.matter
    if item.referral_id and item.referral is not None:
        try:
            return item.referral.legal_matter
        except ObjectDoesNotExist:
            return None
    return None


def _sealed(user: User, item: Any) -> bool:
    """About an infraction that was cleared, and ``user`` may not see it again (rule 3: legal.policy)."""
    return sealed_from(user, _matter_of(item))


def item_views(user: User, meeting: Meeting, *, channel: str = "page") -> AgendaView:
    """What ``user`` may read of each item of ``meeting`` (see the module's rules). Showing a person's
    progress outside the program goes through the one consent decision point and is logged."""

    items: list[Any] = list(
        meeting.items.select_related(
            "participant", "referral__referred_by", "referral__legal_matter", "matter", "carried_from"
        )
    )
    reader = agenda_reader(user)
    views: list[ItemView] = []
    hidden = 0
    base = {i.pk: (i.carried_from if i.kind == K.CARRIED_OVER and i.carried_from else i) for i in items}

    def kind_of(i: Any) -> str:
        return base[i.pk].kind

    if reader is AgendaReader.PROGRAM:
        mine = policy.scope_of(user, "participant_record.view") == Scope.ALL
        for i in items:
            full = mine or (i.participant is not None and i.participant.case_manager_id == user.pk)
            who = (
                _name(i.participant)
                if i.participant
                else (f"{i.referral.given_name} {i.referral.family_name}" if i.referral else "")
            )
            views.append(ItemView(i, str(K(kind_of(i)).label), who, _program_lines(i) if full else [], full))
        return AgendaView(views, 0)
    if reader is AgendaReader.OUTREACH:
        for i in items:
            if kind_of(i) == K.INACTIVE and i.participant:
                views.append(ItemView(i, str(K.INACTIVE.label), _name(i.participant), _program_lines(i)[:1]))
            else:
                hidden += 1
        return AgendaView(views, hidden)
    if reader is AgendaReader.LEGAL:
        # The legal app's own rule: the people whose legal records this role may read (an open diversion,
        # or a consent naming the office; a defender's own clients). The agenda never tells more.
        visible = set(people_visible_to(user).values_list("pk", flat=True))
        ids = [i.participant_id for i in items if i.participant_id]
        status = may_disclose(recipient=user, participant_ids=ids, info=Info.STATUS)
        shown: dict[int, Any] = {}
        for i in items:
            # Legal events only: a charge, a warrant, a deadline, a diversion with its matter — not an
            # officer's social-contact referral (it has no matter: it is not the legal system's business).
            kind = kind_of(i)
            legal = kind in (K.NEW_CHARGE, K.DEADLINE) or (
                kind in (K.NEW_REFERRAL, K.POLICE_CONTACT)
                and (_matter_of(i) is not None or not i.referral_id)
            )
            if not i.participant or not legal or _sealed(user, i) or i.participant_id not in visible:
                hidden += 1
                continue
            lines = _legal_lines(i)
            consent = status.consent(i.participant_id)
            if consent is not None:
                state = i.participant.get_status_display()
                lines.append(_("LEAD status: %(status)s") % {"status": state})
                shown[i.participant_id] = (consent, [str(Info.STATUS)])
            views.append(ItemView(i, str(K(kind_of(i)).label), _name(i.participant), lines))
        # Someone on the agenda only under a consent naming the office: their enrolment went out too.
        for pid, consent in consent_reach(
            user=user, participant_ids=[v.item.participant_id for v in views]
        ).items():
            first, infos = shown.get(pid, (consent, []))
            shown[pid] = (first, [str(Info.ENROLMENT), *infos])
        disclosures_record(recipient=user, shown=shown, channel=channel)
        return AgendaView(views, hidden)
    if reader is AgendaReader.REFERRER:
        own = [
            i.referral
            for i in items
            if i.referral_id and i.referral and i.referral.referred_by_id == user.pk and not _sealed(user, i)
        ]
        outcomes = referral_outcomes_for(user=user, referrals=own, channel=channel)
        # Exactly what the opt-in names, in its own words (consents.wording): engaged yes / not yet, and
        # housed when the opt-in names it. Nothing else: not "enrolled", not "doing well".
        said = {OUTCOME_ENGAGED: feedback_phrase(Info.ENGAGEMENT, True),
                OUTCOME_NOT_YET: feedback_phrase(Info.ENGAGEMENT, False)}  # fmt: skip
        for i in items:
            outcome = outcomes.get(i.referral_id or 0)
            if (
                outcome is None
                or outcome.state not in said
                or kind_of(i) not in (K.NEW_REFERRAL, K.POLICE_CONTACT)
                or _sealed(user, i)
            ):
                hidden += 1
                continue
            title = _("Your referral of %(day)s") % {"day": clock.local_date(i.referral.occurred_at)}
            lines = [said[outcome.state]]
            if outcome.housed is not None:
                lines.append(feedback_phrase(Info.HOUSED, outcome.housed))
            views.append(ItemView(i, title, f"{i.referral.given_name} {i.referral.family_name}", lines))
        return AgendaView(views, hidden)
    if reader is AgendaReader.PROVIDER:
        ids = [i.participant_id for i in items if i.participant_id]
        referred = (
            set(
                ServiceReferral.objects.filter(
                    participant_id__in=ids, organization__agency_id=user.agency_id
                ).values_list("participant_id", flat=True)
            )
            if user.agency_id
            else set()
        )
        status = may_disclose(recipient=user, participant_ids=list(referred), info=Info.STATUS)
        shown = {}
        for i in items:
            consent = status.consent(i.participant_id) if i.participant_id in referred else None
            # Legal events (charges, deadlines, police contact, a diversion, a new referral) are not what a
            # provider's consent names: only that someone they serve is out of touch, and their LEAD status.
            if consent is None or kind_of(i) != K.INACTIVE:
                hidden += 1
                continue
            shown[i.participant_id] = (consent, [str(Info.STATUS)])
            views.append(
                ItemView(
                    i,
                    str(_("On the agenda")),
                    _name(i.participant),
                    [_("LEAD status: %(status)s") % {"status": i.participant.get_status_display()}],
                )
            )
        disclosures_record(recipient=user, shown=shown, channel=channel)
        return AgendaView(views, hidden)
    return AgendaView([], len(items))  # a police liaison, and anyone else: nothing about individuals

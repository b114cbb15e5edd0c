"""Changing the workgroup: members, meetings (scheduled, held, cancelled, with minutes), decisions and
action items tracked to done. Every change is audited; a meeting or an action item edited from a stale
page is refused (StaleEdit, 409); a form sent twice makes one record (idempotency keys)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.notifications.models import Notification
from leadline.notifications.services import notify, work_done
from leadline.participants.services import StaleEdit
from leadline.workgroup.models import ActionItem, AgendaItem, Decision, Meeting, Member
from leadline.workgroup.policy import action_access

# "Someone in the program" is who records contacts with participants (today: case management, outreach, the
# program manager); asked of the capability, not of role names.
PROGRAM_CAPABILITY = "contact.edit"


class WorkgroupRefused(refusals.Refused):
    """A workgroup write refused, naming the field (None: the form as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message, field or "")


def _audit(actor: User, action: str, subject_type: str, subject_id: Any, **changes: Any) -> None:
    audit_record(
        actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, changes=changes
    )


def _tell(users: list[Any], kind: str, url: str, work_key: str = "") -> None:

    notify(users, kind=kind, url=url, work_key=work_key)


def action_key(action: ActionItem | int) -> str:
    """The work an action item is for its owner (core.inbox): doing it."""
    return f"workgroup_action:{getattr(action, 'pk', action)}"


# Members ----------------------------------------------------------------------------------------------------
def member_add(*, actor: User, user: User) -> Member:

    if not policy.can(user, "workgroup.view"):
        raise WorkgroupRefused("user", _("This person's role has no place in the workgroup."))
    with transaction.atomic():
        member, created = Member.objects.get_or_create(
            user=user,
            defaults={"since": clock.today(), "added_by": actor, "calendar_token": secrets.token_urlsafe(32)},
        )
        if not created and not member.active:  # back in the group: a new feed address, the old one stays dead
            member.active, member.since, member.calendar_token = (
                True,
                clock.today(),
                secrets.token_urlsafe(32),
            )
            member.save(update_fields=["active", "since", "calendar_token"])
        _audit(actor, AuditEvent.Action.UPDATE, "workgroup_member", user.pk, active=True)
    return member


def member_remove(*, actor: User, user_id: int) -> bool:
    """Off the group: no meeting, no notices, and the calendar address dies. False if not a member."""
    with transaction.atomic(durable=True):
        gone = Member.objects.filter(user_id=user_id, active=True).update(
            active=False, calendar_token=secrets.token_urlsafe(32)
        )
        if gone:
            _audit(actor, AuditEvent.Action.UPDATE, "workgroup_member", user_id, active=False)
    return bool(gone)


def calendar_renew(*, actor: User, member: Member) -> Member:
    """A new private feed address; the old one stops working (it was shared by mistake, say)."""
    member.calendar_token = secrets.token_urlsafe(32)
    member.save(update_fields=["calendar_token"])
    _audit(actor, AuditEvent.Action.UPDATE, "workgroup_member", member.user_id, calendar="renewed")
    return member


def members_to_tell() -> list[Any]:

    members = Member.objects.filter(active=True, user__is_active=True).select_related("user")
    return [m.user for m in members if policy.can(m.user, "workgroup.view")]


# Meetings ---------------------------------------------------------------------------------------------------
def meeting_schedule(
    *, actor: User, starts_at: datetime, ends_at: datetime, place: str, idempotency_key: str
) -> Meeting:
    if ends_at <= starts_at:
        raise WorkgroupRefused("ends_at", _("The meeting must end after it starts."))
    try:
        with transaction.atomic(durable=True):
            meeting = Meeting.objects.create(
                starts_at=starts_at,
                ends_at=ends_at,
                place=place,
                created_by=actor,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
            )
            _audit(actor, AuditEvent.Action.CREATE, "workgroup_meeting", meeting.pk)
            _tell(members_to_tell(), "meeting", reverse("workgroup:meeting", args=[meeting.pk]))
    except IntegrityError:  # the same form sent twice
        return Meeting.objects.get(idempotency_key=idempotency_key)
    return meeting


def meeting_update(*, actor: User, meeting_id: int, version: int, **fields: Any) -> Meeting:
    """Reschedule, move, hold or cancel a meeting, or save its minutes."""
    allowed = {"starts_at", "ends_at", "place", "status", "minutes"}
    with transaction.atomic(durable=True):
        meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
        if meeting.version != version:
            raise StaleEdit()
        changed = sorted(k for k, v in fields.items() if k in allowed and getattr(meeting, k) != v)
        for key in changed:
            setattr(meeting, key, fields[key])
        if meeting.ends_at <= meeting.starts_at:
            raise WorkgroupRefused("ends_at", _("The meeting must end after it starts."))
        meeting.version += 1
        meeting.save()
        _audit(actor, AuditEvent.Action.UPDATE, "workgroup_meeting", meeting.pk, fields=changed)
        if {"starts_at", "ends_at", "place", "status"} & set(changed):
            _tell(members_to_tell(), "meeting", reverse("workgroup:meeting", args=[meeting.pk]))
    return meeting


def item_discussed(*, actor: User, item_id: int, discussed: bool) -> AgendaItem:
    with transaction.atomic(durable=True):
        item = AgendaItem.objects.select_for_update().get(pk=item_id)
        item.discussed = discussed
        item.save(update_fields=["discussed"])
        _audit(actor, AuditEvent.Action.UPDATE, "workgroup_agenda_item", item.pk, discussed=discussed)
    return item


# Decisions and action items ---------------------------------------------------------------------------------
def decision_record(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    idempotency_key: str,
    item: AgendaItem | None = None,
    action_text: str = "",
    owner: Any = None,  # a User when an action is wanted, else None: typing it needs the body to narrow it
    due_on: date | None = None,
) -> Decision:
    """A decision of the meeting, perhaps about an agenda item, perhaps with the action item that
    carries it out (an owner among the members, and a due date): all or nothing."""
    earlier = Decision.objects.filter(
        meeting=meeting, recorded_by=actor, idempotency_key=idempotency_key
    ).first()
    if earlier is not None:  # the same form sent twice (even a day later): the first made it
        return earlier
    if not text.strip():
        raise WorkgroupRefused("text", _("Write the decision."))
    wants_action = bool(action_text.strip() or owner or due_on)
    if wants_action:
        if not action_text.strip():
            raise WorkgroupRefused("action_text", _("Say what is to be done."))
        if owner is None or not Member.objects.filter(user=owner, active=True).exists():
            raise WorkgroupRefused("owner", _("Choose an owner among the workgroup's members."))
        about_someone = item is not None and bool(item.participant_id or item.referral_id)
        if about_someone and not policy.can(owner, PROGRAM_CAPABILITY):
            # What is to be done about a participant is the program's to carry: its words may say what
            # no one outside the program may read (the data firewall, Part 2).
            raise WorkgroupRefused(
                "owner", _("An action item about a participant goes to someone in the program (case "
                           "management, outreach or the program manager).")
            )  # fmt: skip
        if due_on is None:
            raise WorkgroupRefused("due_on", _("Give a due date."))
        if due_on < clock.today():
            raise WorkgroupRefused("due_on", _("The due date cannot be in the past."))
    try:
        with transaction.atomic(durable=True):
            decision = Decision.objects.create(
                meeting=meeting,
                item=item,
                text=text.strip(),
                recorded_by=actor,
                recorded_at=clock.now(),
                idempotency_key=idempotency_key,
            )
            _audit(actor, AuditEvent.Action.CREATE, "workgroup_decision", decision.pk)
            if wants_action and due_on is not None:
                action = ActionItem.objects.create(
                    meeting=meeting,
                    decision=decision,
                    item=item,
                    text=action_text.strip(),
                    owner=owner,
                    due_on=due_on,
                    created_by=actor,
                    created_at=clock.now(),
                )
                _audit(actor, AuditEvent.Action.CREATE, "workgroup_action", action.pk, owner=owner.pk)
                _tell(
                    [owner], Notification.Kind.ACTION_ITEM, reverse("workgroup:actions"), action_key(action)
                )
    except IntegrityError:
        return Decision.objects.get(meeting=meeting, recorded_by=actor, idempotency_key=idempotency_key)
    return decision


def action_done(*, actor: User, action_id: int, version: int, note: str = "") -> ActionItem:
    """The owner (or the program manager) marks an action item done; done stays done."""
    with transaction.atomic(durable=True):
        action = ActionItem.objects.select_for_update().get(pk=action_id)
        if not action_access(actor, action).may_close:
            raise WorkgroupRefused(None, _("Only its owner or the program manager can close an action item."))
        if action.version != version:
            raise StaleEdit()
        if action.done_at is not None:
            return action
        action.done_at, action.done_by, action.done_note = clock.now(), actor, note.strip()
        action.version += 1
        action.save()
        _audit(actor, AuditEvent.Action.UPDATE, "workgroup_action", action.pk, done=True)
        work_done(work_key=action_key(action), kinds=[Notification.Kind.ACTION_ITEM])
    return action

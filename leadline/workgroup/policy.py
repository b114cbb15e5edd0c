"""Who may do what in the workgroup (decision 0026), in one place: the pages and the services ask here.

- Meetings: the program manager (``workgroup.view`` at ``all``) sees every one; anyone else holding the
  capability, only as an active member.
- Keeping the record (scheduling, the agenda, minutes, decisions): ``workgroup.edit`` at ``all`` (the
  program manager), or at ``own`` for an active member (a case manager).
- Decisions are the program's words about people: the program manager reads them all; a record keeper
  those about her own caseload and her own. Action items the same, and always one's own.
- An action item is closed by its owner or the program manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.core.actors import Actor
from leadline.workgroup.models import ActionItem, Decision, Member


def member_of(user: User) -> Member | None:
    return Member.objects.filter(user=user, active=True).first()


def runs_the_group(user: Actor) -> bool:
    """The program manager: every meeting, every decision, every action item, the members."""
    return policy.scope_of(user, "workgroup.edit") == Scope.ALL


def sees_meetings(user: User) -> bool:
    return policy.scope_of(user, "workgroup.view") == Scope.ALL or member_of(user) is not None


def keeps_the_record(user: User) -> bool:
    scope = policy.scope_of(user, "workgroup.edit")
    return scope == Scope.ALL or (scope == Scope.OWN and member_of(user) is not None)


def _about_their_caseload(user: User, item: Any) -> bool:
    return item is not None and item.participant is not None and item.participant.case_manager_id == user.pk


def reads_decision(user: User, decision: Decision, *, keeps_record: bool) -> bool:
    return keeps_record and (
        runs_the_group(user)
        or decision.recorded_by_id == user.pk
        or _about_their_caseload(user, decision.item)
    )


def reads_action(user: User, action: ActionItem, *, keeps_record: bool) -> bool:
    if runs_the_group(user) or action.owner_id == user.pk:
        return True
    return keeps_record and (action.created_by_id == user.pk or _about_their_caseload(user, action.item))


class AgendaReader(StrEnum):
    """How a member reads the agenda (agenda.item_views), from what they may do, never their role's name."""

    PROGRAM = "program"  # participant records: each item whole (their caseload's, or all)
    OUTREACH = "outreach"  # participant cards only: who is inactive, to find them
    LEGAL = "legal"  # legal matters: the legal events about people the legal pages show them
    REFERRER = "referrer"  # their own referrals: the outcome, in the opt-in's words
    PROVIDER = "provider"  # summaries for an organisation: that someone it serves is out of touch
    NOTHING = "nothing"  # anyone else (a police liaison): nothing about individuals


def agenda_reader(user: Actor) -> AgendaReader:
    if policy.can(user, "participant_record.view"):
        return AgendaReader.PROGRAM
    if policy.can(user, "participant_card.view"):
        return AgendaReader.OUTREACH
    if policy.can(user, "legal_matter.view"):
        return AgendaReader.LEGAL
    if policy.scope_of(user, "referral.view") is Scope.OWN:
        return AgendaReader.REFERRER
    if policy.scope_of(user, "progress_summary.view") is Scope.ORGANISATION:
        return AgendaReader.PROVIDER
    return AgendaReader.NOTHING


@dataclass(frozen=True)
class ActionAccess:
    """What one person may do to one action item; the pages' templates read it, never the owner's id."""

    may_close: bool  # its owner, or the program manager (who runs the group)


def action_access(user: Actor, action: ActionItem) -> ActionAccess:
    owns_it = action.owner_id is not None and action.owner_id == getattr(user, "pk", None)
    return ActionAccess(may_close=owns_it or runs_the_group(user))

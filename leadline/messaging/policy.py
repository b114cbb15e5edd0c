"""Who may discuss a participant in a message thread, decided now (decision 0025).

Asked when a member is added AND on every read and post, so a consent that ends closes the thread to that
person at once. The answer, per participant, is a ``Standing`` or nothing:

- **the program**: a role that holds ``message.view`` at a scope reaching the participant (``all``, or
  ``caseload`` for the case manager of record) and may see the participant's record
  (``participants.policy.participant_access``);
- **outside the program**: a prosecutor or defender only while a consent in force names their office for
  this participant and names ``Info.STATUS`` (a defender only for their own clients, on an open matter);
  provider staff only while a Part 2 consent names their organisation for ``Info.REFERRAL`` and the
  participant was referred to it. The decision is ``consents.policy.may_disclose_each``'s, never taken here;
- **never** law enforcement (officer, police liaison): the data firewall cannot check free text, and LEAD is
  not an informant programme. Nor anyone without ``message.view`` (outreach, evaluators, site admins).

A criminal-justice member also loses every thread started before the participant's latest sealing: a
cleared infraction is never shown again to a criminal-justice role (PRODUCT §4 rule 3), and a message may
name it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db.models import Q

from leadline.accounts import policy as access_policy
from leadline.accounts.models import User
from leadline.accounts.roles import Role, Scope
from leadline.consents.models import Consent
from leadline.consents.policy import Info, in_force_q, may_disclose_each, today
from leadline.directory.models import ServiceReferral
from leadline.legal.models import LegalMatter
from leadline.legal.selectors import matters_visible_to
from leadline.legal.services import person_key
from leadline.messaging.models import Thread
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access

# The piece of information whose consent opens a thread to each role outside the program. A thread is a
# conversation about how the person is doing: a criminal-justice recipient needs a consent naming their
# LEAD status at least (2.35 to the prosecutor's office, 2.31 to the defender's); a provider the consent
# for referrals to it (2.31), which is what it discusses with the case manager.
GATE: dict[Role, str] = {
    Role.PROSECUTOR: Info.STATUS,
    Role.DEFENDER: Info.STATUS,
    Role.PROVIDER_STAFF: Info.REFERRAL,
}
OUTSIDE_ROLES = tuple(GATE)


@dataclass(frozen=True)
class Standing:
    """Why a user may discuss a participant now: as the program, or outside it under ``consent``, which
    names ``infos`` (what the program may write to them)."""

    outside: bool
    consent: Consent | None = None
    infos: tuple[str, ...] = ()


PROGRAM = Standing(outside=False)


def survivor(participant: Participant) -> Participant:
    """The record a merged duplicate lives on as (itself when not merged)."""
    return survivors([participant])[participant.pk]


def survivors(participants: Iterable[Participant]) -> dict[int, Participant]:
    """participant id -> the record it lives on as, following merges (one query per level of merging)."""
    out = {p.pk: p for p in participants}
    pending: dict[int, int] = {pk: p.merged_into_id for pk, p in out.items() if p.merged_into_id is not None}
    for _hop in range(10):  # a merge never targets a merged record; chains come only from later merges
        if not pending:
            break
        found = Participant.objects.in_bulk(set(pending.values()))
        nxt: dict[int, int] = {}
        for pk, target in pending.items():
            if target in found:
                out[pk] = found[target]
                if (further := found[target].merged_into_id) is not None:
                    nxt[pk] = further
        pending = nxt
    return out


def _as(role: Role) -> Any:
    return SimpleNamespace(is_authenticated=True, is_active=True, role=role.value, agency_id=None, pk=None)


def _program_reaches(user: User, participant: Participant, access: Any = None) -> bool:
    """``access``: the participant_access the caller already holds (no query then)."""
    scope = access_policy.scope_of(user, "message.view")
    if scope is Scope.ALL:
        reach = True
    elif scope is Scope.CASELOAD:
        reach = participant.case_manager_id is not None and participant.case_manager_id == user.pk
    else:
        return False
    return reach and (access or participant_access(user, participant)).has("participant_record.view")


def program_may_start(user: User, participant: Participant, access: Any = None) -> bool:
    """may_start for the program's own people (outsiders never start threads), without a consent query:
    what the participant's page asks to offer "Messages about this participant"."""
    return access_policy.can(user, "message.edit") and _program_reaches(user, participant, access)


def _outside_in_scope(user: User, ids: list[int]) -> list[int]:
    """The participants an outside role's ``message.view`` scope reaches, before any consent is read."""
    scope = access_policy.scope_of(user, "message.view")
    if scope is Scope.ALL:
        return ids
    if scope is Scope.CLIENTS:  # a defender's clients: those they represent on an open matter
        matters = matters_visible_to(user).filter(participant_id__in=ids)
        return sorted({pid for pid in matters.values_list("participant_id", flat=True) if pid is not None})
    if scope is Scope.ORGANISATION and (agency_id := getattr(user, "agency_id", None)):  # referred to them
        sent = ServiceReferral.objects.filter(participant_id__in=ids, organization__agency_id=agency_id)
        return sorted(set(sent.values_list("participant_id", flat=True)))
    return []


def standings_for(user: User, participants: Iterable[Participant]) -> dict[int, Standing]:
    """participant id -> the user's standing to discuss them now; absent: may not. Pass survivors. A few
    queries at most, whatever the number of participants."""
    people = {p.pk: p for p in participants if p.merged_into_id is None}
    role = access_policy.role_of(user)
    if not people or role is None or access_policy.is_law_enforcement(user):
        return {}
    if not access_policy.can(user, "message.view"):
        return {}
    gate = GATE.get(role)
    if gate is None:
        return {pid: PROGRAM for pid, p in people.items() if _program_reaches(user, p)}
    ids = _outside_in_scope(user, sorted(people))
    if not ids:
        return {}
    carried = [gate, *(i for i in Info.values if i != gate)]
    answers = may_disclose_each(recipient=user, participant_ids=ids, infos=carried)
    out: dict[int, Standing] = {}
    for pid in ids:
        consent = answers[gate].consent(pid)
        if consent is None:
            continue
        named = tuple(
            i for i in carried
            if answers[i].allowed(pid) and getattr(answers[i].consent(pid), "pk", None) == consent.pk
        )  # fmt: skip
        out[pid] = Standing(outside=True, consent=consent, infos=named)
    return out


def standing(user: User, participant: Participant) -> Standing | None:
    return standings_for(user, [participant]).get(participant.pk)


def latest_sealing(participant_ids: Iterable[int]) -> dict[int, datetime]:
    """participant id -> when the latest of their legal matters was sealed (purged ones too: a purge
    keeps only the pseudonymous person key, which is how they are found). A record merged into one of
    ``participant_ids`` counts as that participant: a merge moves the duplicate's matters, but a purged
    one names the duplicate only by its key, and its sealing must still reach the survivor (PRODUCT.md
    §4 rules 3 and 13; a merge leaves no chains, so one step finds every earlier duplicate)."""

    ids = list(participant_ids)
    if not ids:
        return {}
    owners = {pid: pid for pid in ids} | dict(
        Participant.objects.filter(merged_into_id__in=ids).values_list("pk", "merged_into_id")
    )
    keys = {person_key(pid): owner for pid, owner in owners.items()}
    rows = LegalMatter.objects.filter(
        Q(participant_id__in=list(owners)) | Q(person_key__in=list(keys)), sealed_at__isnull=False
    ).values_list("participant_id", "person_key", "sealed_at")
    out: dict[int, datetime] = {}
    for pid, key, sealed_at in rows:
        owner = owners.get(pid) or keys.get(key)
        if owner is not None and sealed_at is not None and (owner not in out or sealed_at > out[owner]):
            out[owner] = sealed_at
    return out


@dataclass(frozen=True)
class Readable:
    participant: Participant  # the survivor
    standing: Standing


def readable_threads(user: User, threads: Iterable[Thread]) -> dict[int, Readable]:
    """thread id -> (survivor, standing) for the threads ``user`` may read now (membership is the
    caller's question). A fixed number of queries whatever the number of threads."""
    threads = list(threads)
    alive = survivors([t.participant for t in threads])
    standings = standings_for(user, {p.pk: p for p in alive.values()}.values())
    sealed: dict[int, datetime] = {}
    if access_policy.hides_sealed(user) and standings:
        sealed = latest_sealing(standings)
    out: dict[int, Readable] = {}
    for t in threads:
        person = alive[t.participant_id]
        s = standings.get(person.pk)
        if s is None:
            continue
        if person.pk in sealed and t.created_at <= sealed[person.pk]:
            continue  # begun before a sealing: may name the cleared infraction
        out[t.pk] = Readable(participant=person, standing=s)
    return out


def may_start(user: User, participant: Participant) -> bool:
    """Only the program starts threads and adds members: it decides what is discussed with whom."""
    s = standing(user, participant)
    return s is not None and not s.outside and access_policy.can(user, "message.edit")


def candidates(participant: Participant) -> list[tuple[Any, Standing]]:
    """Everyone who may discuss this participant now (the program's people and those outside it whom a
    consent in force names), with their standing — the only people a thread about them may include."""

    program_wide = [r for r in Role if r not in GATE and access_policy.scope_of(_as(r), "message.view")
                    is Scope.ALL]  # fmt: skip
    caseload = [r for r in Role if r not in GATE and access_policy.scope_of(_as(r), "message.view")
                is Scope.CASELOAD]  # fmt: skip
    named = Consent.objects.filter(
        in_force_q(today()), participant=participant, recipient_agency__isnull=False
    ).values("recipient_agency_id")
    who = Q(role__in=[r.value for r in program_wide]) | Q(role__in=[r.value for r in OUTSIDE_ROLES],
                                                          agency_id__in=named)  # fmt: skip
    if participant.case_manager_id:
        who |= Q(pk=participant.case_manager_id, role__in=[r.value for r in caseload])
    people = (
        User.objects.filter(who, is_active=True)
        .select_related("agency")
        .order_by("last_name", "first_name", "pk")
    )
    out = []
    for person in people:
        s = standing(person, participant)
        if s is not None:
            out.append((person, s))
    return out


def members_readable(thread: Thread, participant: Participant, members: Iterable[Any]) -> dict[int, Standing]:
    """user id -> standing, for the members who may read ``thread`` now (the others stay listed but read
    nothing, and are told of nothing)."""
    out: dict[int, Standing] = {}
    for user in members:
        r = readable_threads(user, [thread]).get(thread.pk)
        if r is not None and r.participant.pk == participant.pk:
            out[user.pk] = r.standing
    return out

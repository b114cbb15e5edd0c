"""Every write to a participant goes through here, audited in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, diff
from leadline.core import clock, refusals
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event
from leadline.participants.matching import blocking_keys
from leadline.participants.models import (
    CASELOAD_STATUSES,
    ENGAGED_STATUSES,
    TRANSITIONS,
    ExitReason,
    Participant,
    ParticipantAlias,
    ParticipantKeyCount,
    ParticipantMatchKey,
    StatusChange,
)
from leadline.participants.policy import participant_access
from leadline.sites.selectors import policy_version_today, site_get

NotAllowed = refusals.NotAllowed  # the one "may not" of every app (403)


class StaleEdit(refusals.Conflict):
    """Somebody else changed the record since this edit began (PRODUCT.md §4 rule 7): a 409."""

    def __init__(self, message: str = "", field: str = "", *, status: int | None = None) -> None:
        super().__init__(
            message or _("Someone else changed this record meanwhile. Read it again."), field, status=status
        )


def participant_create(
    *, actor: User | None, given_name: str, family_name: str, **fields: Any
) -> Participant:
    now = clock.now()
    if fields.get("status") in ENGAGED_STATUSES:
        fields.setdefault("engaged_at", now)
    with transaction.atomic():
        participant = Participant.objects.create(
            given_name=given_name, family_name=family_name, created_at=now, updated_at=now, **fields
        )
        participant_match_keys_refresh(participant=participant)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            subject_type="participant",
            subject_id=participant.pk,
            participant_id=participant.pk,
            changes={"status": participant.status, "case_manager_id": participant.case_manager_id},
        )
    return participant


def participant_update_whereabouts(
    *, actor: User, participant: Participant, whereabouts: str, expected_version: int
) -> Participant:
    if not participant_access(actor, participant).has("whereabouts.edit"):
        raise NotAllowed
    with transaction.atomic():
        now = clock.now()
        # Compare-and-set on the version: the UPDATE matches nothing if someone saved in between.
        updated = Participant.objects.filter(pk=participant.pk, version=expected_version).update(
            last_known_whereabouts=whereabouts,
            whereabouts_updated_at=now,
            updated_at=now,
            version=expected_version + 1,
        )
        if updated != 1:
            raise StaleEdit
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="participant",
            subject_id=participant.pk,
            participant_id=participant.pk,
            changes=diff(
                {"last_known_whereabouts": participant.last_known_whereabouts},
                {"last_known_whereabouts": whereabouts},
            ),
        )
    participant.refresh_from_db()
    return participant


def participant_whereabouts_seen(
    *, actor: User, participant: Participant, place: str, seen_at: Any, reason: str = "contact"
) -> bool:
    """The place a contact or an outreach attempt was logged at becomes the last known whereabouts
    (issue #17), unless the whereabouts already say something newer: only moving forward in time, so a
    contact logged late never overwrites what someone wrote since. No version is asked (the contact form
    carries none); the version still moves, so an edit opened before this one is refused as stale.
    Returns whether the whereabouts changed. Composed inside the contact's transaction (a savepoint)."""
    if not participant_access(actor, participant).has("whereabouts.edit"):
        raise NotAllowed
    place = place.strip()[:300]
    if not place:
        return False
    with transaction.atomic():
        current = (
            Participant.objects.select_for_update()
            .filter(pk=participant.pk)
            .values("last_known_whereabouts", "whereabouts_updated_at", "version")
            .first()
        )
        if current is None:
            return False
        newer = current["whereabouts_updated_at"] is not None and current["whereabouts_updated_at"] >= seen_at
        if newer or current["last_known_whereabouts"] == place:
            return False
        Participant.objects.filter(pk=participant.pk).update(
            last_known_whereabouts=place,
            whereabouts_updated_at=seen_at,
            updated_at=clock.now(),
            version=current["version"] + 1,
        )
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="participant",
            subject_id=participant.pk, participant_id=participant.pk, reason=reason,
            changes=diff({"last_known_whereabouts": current["last_known_whereabouts"]},
                         {"last_known_whereabouts": place}),
        )  # fmt: skip
    return True


def participant_match_keys_refresh(*, participant: Participant) -> None:
    """Store the participant's blocking keys for the field lookup and duplicate detection."""
    keys = blocking_keys(
        participant.given_name,
        participant.family_name,
        participant.date_of_birth,
        ([participant.preferred_name] if participant.preferred_name else [])
        + list(participant.aliases.values_list("name", flat=True)),
    )
    with transaction.atomic():
        old = set(ParticipantMatchKey.objects.filter(participant=participant).values_list("key", flat=True))
        ParticipantMatchKey.objects.filter(participant=participant).delete()
        ParticipantMatchKey.objects.bulk_create(
            ParticipantMatchKey(participant=participant, key=k) for k in sorted(keys)
        )
        _key_counts_add(sorted(set(keys) - old), +1)
        _key_counts_add(sorted(old - set(keys)), -1)


def _key_counts_add(keys: list[str], delta: int) -> None:
    """Add ``delta`` to each key's count, creating missing rows: one upsert (SQLite and PostgreSQL)."""
    if not keys:
        return
    table = connection.ops.quote_name(ParticipantKeyCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (key, n) VALUES (%s, %s) "  # noqa: S608 (table name from the model)
            f"ON CONFLICT (key) DO UPDATE SET n = {table}.n + excluded.n",
            [(k, delta) for k in keys],
        )


def participant_key_counts_rebuild() -> int:
    """Recount every key from ParticipantMatchKey (after a bulk load or a keys-version change)."""
    with transaction.atomic(durable=True):
        ParticipantKeyCount.objects.all().delete()
        rows = (
            ParticipantMatchKey.objects.values("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
            .order_by()
        )
        ParticipantKeyCount.objects.bulk_create(
            (ParticipantKeyCount(key=k, n=n) for k, n in rows.iterator()), batch_size=10_000
        )
        return ParticipantKeyCount.objects.count()


def participant_update(
    *,
    actor: User,
    participant: Participant,
    reason: str,
    exit_reason: str = "",
    expected_version: int | None = None,
    **changes: Any,
) -> Participant:
    """Change status or assignment, audited with before/after and the reason. A status change is also a
    StatusChange row with who, why and the policy version in force (PRODUCT.md §4 rule 6).
    With ``expected_version`` the change applies only to the version the user saw (else StaleEdit)."""
    allowed = {"status", "case_manager"}
    if not set(changes) <= allowed:
        raise ValueError(f"participant_update changes only {sorted(allowed)}")
    with transaction.atomic():
        fresh = Participant.objects.select_for_update().get(pk=participant.pk)
        if expected_version is not None and fresh.version != expected_version:
            raise StaleEdit
        before = {k: _plain(getattr(fresh, k)) for k in changes}
        for field, value in changes.items():
            setattr(fresh, field, value)
        fresh.updated_at = clock.now()
        fresh.version += 1
        stamped = []
        if fresh.status in ENGAGED_STATUSES and fresh.engaged_at is None:
            fresh.engaged_at = fresh.updated_at  # first engagement: kept for good
            stamped = ["engaged_at"]
        fresh.save(update_fields=[*changes, *stamped, "updated_at", "version"])
        after = {k: _plain(getattr(fresh, k)) for k in changes}
        version = policy_version_today()
        if "status" in changes and before["status"] != after["status"]:
            StatusChange.objects.create(
                participant=fresh, from_status=before["status"], to_status=after["status"],
                exit_reason=exit_reason if after["status"] == Participant.Status.EXITED else "",
                note=reason[:500], changed_by=actor if getattr(actor, "pk", None) else None,
                changed_at=fresh.updated_at, policy_version=version,
            )  # fmt: skip
        changed: dict[str, Any] = dict(diff(before, after))
        if exit_reason and after.get("status") == Participant.Status.EXITED:
            changed["exit_reason"] = exit_reason
        if "status" in changes:
            changed["policy_version"] = version.label if version else None
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="participant",
            subject_id=fresh.pk,
            participant_id=fresh.pk,
            reason=reason,
            changes=changed,
        )
    participant.refresh_from_db()
    return participant


class InvalidChange(refusals.Refused):
    def __init__(self, field: str, message: str):
        super().__init__(message, field)


def participant_set_court_reminders(
    *, actor: User, participant: Participant, on: bool, expected_version: int
) -> Participant:
    """Record the participant's choice about court-date texts (issue #5): an opt-in, so it is theirs to
    give and to withdraw, recorded by their case manager with who and when (PRODUCT §4 rule 6)."""
    if not participant_access(actor, participant).has("consent.edit"):
        raise NotAllowed
    if on and not participant.phone.strip():
        raise InvalidChange(
            "court_reminders", _("Court-date texts: add the participant's phone number first.")
        )
    with transaction.atomic(durable=True):
        now = clock.now()
        updated = Participant.objects.filter(pk=participant.pk, version=expected_version).update(
            court_reminders=on, court_reminders_at=now, updated_at=now, version=expected_version + 1
        )
        if updated != 1:
            raise StaleEdit
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="participant",
            subject_id=participant.pk, participant_id=participant.pk,
            changes=diff({"court_reminders": participant.court_reminders}, {"court_reminders": on}),
        )  # fmt: skip
    participant.refresh_from_db()
    return participant


def caseload_limits() -> tuple[int, int]:
    site = site_get()
    return (site.caseload_soft_limit, site.caseload_hard_limit) if site else (20, 25)


def caseload_size(case_manager: User) -> int:
    return Participant.objects.filter(case_manager=case_manager, status__in=CASELOAD_STATUSES).count()


def participant_status_change(
    *, actor: User, participant: Participant, to: str, note: str, expected_version: int, exit_reason: str = ""
) -> tuple[Participant, str | None]:
    """Move a participant along referred → engaged → active ⇄ inactive → exited, with who and why.

    No state means "failed out" (PRODUCT.md §4 rule 4): exit reasons are life events or the person's
    choice; inactive and exited people come back without a new referral. Coming back onto a caseload
    that is at its hard limit leaves the person unassigned for the program manager, and says so.
    Returns (participant, a message for the user or None)."""
    if not participant_access(actor, participant).has("participant_record.edit"):
        raise NotAllowed
    note = note.strip()
    if len(note) < 3:
        raise InvalidChange("note", _("Why: say in a few words why the status changes."))
    current = participant.status
    if to not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(str(Participant.Status(s).label) for s in TRANSITIONS.get(current, ()))
        raise InvalidChange(
            "to",
            _("From %(now)s the status can change to: %(allowed)s.")
            % {"now": Participant.Status(current).label, "allowed": allowed},
        )
    if to == Participant.Status.EXITED and exit_reason not in ExitReason.values:
        raise InvalidChange("exit_reason", _("Exit reason: choose why the person is leaving LEAD."))
    message = None
    changes: dict[str, Any] = {"status": to}
    manager = participant.case_manager
    coming_back = current not in CASELOAD_STATUSES and to in CASELOAD_STATUSES
    with transaction.atomic(durable=True):
        if coming_back and manager is not None:
            User.objects.select_for_update().filter(pk=manager.pk).first()  # one caseload count at a time
            _soft, hard = caseload_limits()
            if caseload_size(manager) + 1 > hard:
                changes["case_manager"] = None
                message = _(
                    "%(name)s's caseload is at its hard limit of %(hard)s: the participant is back in LEAD "
                    "and waits for the program manager to assign a case manager."
                ) % {"name": manager.get_full_name(), "hard": hard}
        participant = participant_update(
            actor=actor, participant=participant, reason=note, exit_reason=exit_reason,
            expected_version=expected_version, **changes,
        )  # fmt: skip
    return participant, message


def caseload_assign(
    *, actor: User, participant: Participant, case_manager: User, reason: str, expected_version: int
) -> tuple[Participant, str | None]:
    """Assign or transfer a participant. Refused above the site's hard limit; a warning above the soft
    limit (PRODUCT.md §4 rule 5). Assignments to one case manager are counted one at a time."""
    if not policy.can(actor, "caseload.edit"):
        raise NotAllowed
    if case_manager is None or policy.scope_of(case_manager, "caseload.view") is not Scope.CASELOAD:
        raise InvalidChange("case_manager", _("Case manager: choose an active case manager."))
    if participant.case_manager_id == case_manager.pk:
        raise InvalidChange("case_manager", _("The participant is already on this caseload."))
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidChange("reason", _("Reason: say in a few words why the case moves."))
    soft, hard = caseload_limits()
    counts = participant.status in CASELOAD_STATUSES
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=case_manager.pk).first()
        size = caseload_size(case_manager) + (1 if counts else 0)
        if counts and size > hard:
            raise InvalidChange(
                "case_manager",
                _("%(name)s already carries %(n)s participants: the hard limit is %(hard)s. Choose another "
                  "case manager.") % {"name": case_manager.get_full_name(), "n": size - 1, "hard": hard},
            )  # fmt: skip
        participant = participant_update(
            actor=actor, participant=participant, reason=reason, expected_version=expected_version,
            case_manager=case_manager,
        )  # fmt: skip
    warning = None
    if counts and size > soft:
        warning = _("%(name)s now carries %(n)s participants, above the soft limit of %(soft)s.") % {
            "name": case_manager.get_full_name(),
            "n": size,
            "soft": soft,
        }
    return participant, warning


def caseload_move_all(
    *, actor: User, from_manager: User, to_manager: User, reason: str
) -> tuple[int, str | None]:
    """Move every participant on one case manager's caseload to another (a case manager leaves, or goes
    on long leave), in one transaction: all move or none does. Each participant's move is audited as a
    transfer with the reason (participant_update), and the whole move once more, with who and how many.

    The hard limit is never crossed (PRODUCT.md §4 rule 5, decision 0043): a move that would take the
    receiver above it is refused, saying by how many, so the program manager moves the rest elsewhere
    (one by one from the participant's page, or this move to someone with room). Above the soft limit it
    warns, like a single assignment. A second submit of the same move finds the caseload already empty
    and moves nothing (the two are counted one at a time under the case managers' row locks).
    Returns (how many moved, a warning or None)."""
    if not policy.can(actor, "caseload.edit"):
        raise NotAllowed
    managers = policy.users_with_capability("caseload.view", scope=Scope.CASELOAD)
    if to_manager is None or not managers.filter(pk=to_manager.pk).exists():
        raise InvalidChange("to_manager", _("To: choose an active case manager."))
    if from_manager is None:
        raise InvalidChange("from_manager", _("From: choose whose caseload moves."))
    if from_manager.pk == to_manager.pk:
        raise InvalidChange(
            "to_manager", _("To: choose another case manager than the one whose caseload moves.")
        )
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidChange("reason", _("Reason: say in a few words why the caseload moves."))
    soft, hard = caseload_limits()
    with transaction.atomic(durable=True):
        # Both caseloads counted one at a time (always in the same order, so two moves cannot deadlock).
        list(User.objects.select_for_update().filter(pk__in=[from_manager.pk, to_manager.pk]).order_by("pk"))
        movers = list(
            Participant.objects.filter(case_manager=from_manager, merged_into__isnull=True).order_by("pk")
        )
        counting = sum(p.status in CASELOAD_STATUSES for p in movers)
        size = caseload_size(to_manager) + counting
        if counting and size > hard:
            raise InvalidChange(
                "to_manager",
                _("%(to)s carries %(now)s participants: with %(from)s's %(n)s they would have "
                  "%(size)s, %(over)s above the hard limit of %(hard)s. Move %(over)s of them to someone "
                  "else first, or choose another case manager.")
                % {"to": to_manager.get_full_name(), "now": size - counting, "n": counting, "size": size,
                   "from": from_manager.get_full_name(), "over": size - hard, "hard": hard},
            )  # fmt: skip
        for participant in movers:
            participant_update(actor=actor, participant=participant, reason=reason, case_manager=to_manager)
        if movers:
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, subject_type="caseload",
                subject_id=from_manager.pk, reason=reason,
                changes={"moved_to": to_manager.pk, "participants": [p.pk for p in movers]},
            )  # fmt: skip
    warning = None
    if counting and size > soft:
        warning = _("%(name)s now carries %(n)s participants, above the soft limit of %(soft)s.") % {
            "name": to_manager.get_full_name(),
            "n": size,
            "soft": soft,
        }
    return len(movers), warning


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


IDENTITY_FIELDS = ("given_name", "family_name", "preferred_name", "date_of_birth", "phone", "language")


def participant_identity_update(
    *, actor: User, participant: Participant, expected_version: int, aliases: list[str], **fields: Any
) -> Participant:
    """Correct the identity: legal name, preferred name, date of birth, phone, language, aliases. Names the
    version it started from (StaleEdit otherwise); the matcher's keys follow in the same transaction."""
    if not participant_access(actor, participant).has("participant_record.edit"):
        raise NotAllowed
    if not set(fields) <= set(IDENTITY_FIELDS):
        raise ValueError(f"identity fields are {IDENTITY_FIELDS}")
    wanted = sorted({a.strip()[:200] for a in aliases if a.strip()})
    with transaction.atomic():
        fresh = Participant.objects.select_for_update().get(pk=participant.pk)
        if fresh.version != expected_version:
            raise StaleEdit
        before = {k: getattr(fresh, k) for k in fields}
        before["aliases"] = sorted(fresh.aliases.values_list("name", flat=True))
        for k, v in fields.items():
            setattr(fresh, k, v)
        fresh.version += 1
        fresh.updated_at = clock.now()
        fresh.save(update_fields=[*fields, "version", "updated_at"])
        fresh.aliases.exclude(name__in=wanted).delete()
        for name in wanted:
            ParticipantAlias.objects.get_or_create(participant=fresh, name=name)
        participant_match_keys_refresh(participant=fresh)
        after = {k: getattr(fresh, k) for k in fields} | {"aliases": wanted}
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="participant", subject_id=fresh.pk,
            participant_id=fresh.pk, changes=diff(before, after),
        )  # fmt: skip
    participant.refresh_from_db()
    return participant


def participant_merge(
    *, actor: User, duplicate: Participant, survivor: Participant, reason: str
) -> dict[str, int]:
    """Merge a duplicate record into the one that stays: every linked record moves to the survivor
    (PRODUCT.md §4 rule 13). Every app, this one included, moves its own rows through the handler it
    registered for lifecycle MERGE, in this transaction (decisions 0029 and 0035).
    Where the survivor already holds the one allowed record (an open intake, an open consent of a kind,
    a month's status, a photo), the duplicate keeps its own, still reachable through the merged record;
    a court date or new charge held twice is combined. The duplicate's names become the survivor's
    aliases; it leaves every list, caseload and lookup. Returns how many records of each kind moved."""
    if not policy.can(actor, "caseload.edit"):
        raise NotAllowed
    for p in (duplicate, survivor):
        if not participant_access(actor, p).has("participant_record.edit"):
            raise NotAllowed
    if duplicate.pk == survivor.pk:
        raise InvalidChange("survivor", _("Choose another record to merge into."))
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidChange("reason", _("Reason: say why these are the same person."))
    with transaction.atomic(durable=True):
        dup = Participant.objects.select_for_update().get(pk=duplicate.pk)
        keep = Participant.objects.select_for_update().get(pk=survivor.pk)
        if dup.merged_into_id or keep.merged_into_id:
            raise InvalidChange("survivor", _("One of these records was already merged."))
        # Every app moves its own rows, this one too (each app registers in its hooks.py).
        moved = lifecycle.run(Event.MERGE, actor=actor, survivor=keep, duplicate=dup)
        _merge_identity(dup, keep)
        keep.version += 1
        keep.updated_at = clock.now()
        keep.save()
        Participant.objects.filter(pk=dup.pk).update(
            merged_into=keep, case_manager=None, version=dup.version + 1, updated_at=keep.updated_at
        )
        participant_match_keys_refresh(participant=keep)
        for subject, role in ((dup, "merged_into"), (keep, "merged_from")):
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, subject_type="participant",
                subject_id=subject.pk, participant_id=subject.pk, reason=reason[:500],
                changes={role: (keep if subject is dup else dup).pk, "moved": moved},
            )  # fmt: skip
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    return moved


def _merge_identity(dup: Participant, keep: Participant) -> None:
    """The survivor's own row learns what only the duplicate knew (its names became aliases in
    participants.merge): a missing date of birth or phone, the latest contact times, and the person's
    latest court-date texts choice with the phone of the record that holds it (else the duplicate's phone
    when the survivor has none), so a court date that moved is still texted, to the number given with that
    choice (decision 0029)."""
    if keep.date_of_birth is None and dup.date_of_birth is not None:
        keep.date_of_birth = dup.date_of_birth
    chosen = [p for p in (keep, dup) if p.court_reminders_at is not None]
    if chosen:  # the person's latest choice about court-date texts stands
        latest = max(chosen, key=lambda p: p.court_reminders_at)  # type: ignore[arg-type, return-value]
        keep.court_reminders, keep.court_reminders_at = latest.court_reminders, latest.court_reminders_at
        if latest.phone:  # with the number given with it: the texts go where the person said
            keep.phone = latest.phone
    if not keep.phone:
        keep.phone = dup.phone
    for field in ("last_contact_at", "last_reached_at", "engaged_at"):
        values = [v for v in (getattr(keep, field), getattr(dup, field)) if v is not None]
        if values:
            setattr(keep, field, min(values) if field == "engaged_at" else max(values))


def participant_new(*, actor: User, aliases: list[str], **fields: Any) -> tuple[Participant, str | None]:
    """A participant created by hand (a walk-in, a re-found person), pending intake. A case manager's
    new participant goes on their caseload unless it is at the hard limit, when it waits unassigned for
    the program manager. Returns (participant, a message for the user or None). Duplicate detection
    comes before this (the view shows lookup.find_candidates first)."""
    if not policy.can(actor, "participant_record.edit"):
        raise NotAllowed
    if not set(fields) <= set(IDENTITY_FIELDS):
        raise ValueError(f"identity fields are {IDENTITY_FIELDS}")
    message = None
    with transaction.atomic(durable=True):
        manager = actor if getattr(actor, "role", "") == "case_manager" else None
        if manager is not None:
            User.objects.select_for_update().filter(pk=manager.pk).first()  # one caseload count at a time
            if caseload_size(manager) >= caseload_limits()[1]:
                manager = None
                message = _("Your caseload is at its hard limit: the program manager assigns.")
        participant = participant_create(actor=actor, status="referred", case_manager=manager, **fields)
        names = sorted({a.strip()[:200] for a in aliases if a.strip()})
        if names:
            # Set here, not through participant_identity_update: a case manager at the hard limit creates
            # the record without it landing on their caseload, so they could not correct it afterwards.
            ParticipantAlias.objects.bulk_create(
                ParticipantAlias(participant=participant, name=n) for n in names
            )
            participant_match_keys_refresh(participant=participant)
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, subject_type="participant",
                subject_id=participant.pk, participant_id=participant.pk, changes={"aliases": names},
            )  # fmt: skip
    return participant, message

"""Legal matters (issue #5): open one with each arrest diversion, resolve it at its deadline, confirm its
notice, extend it, seal it and, after the site's retention period, purge its details.

Every change is a compare-and-set inside a transaction, so the background task may run any number of
times, late, or at the same moment as a prosecutor's click, and each deadline still yields exactly one
notice (a unique constraint on (matter, cycle) is the last guard).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.legal import clock as legal_clock
from leadline.legal.models import Charge, Extension, LegalMatter, Notice
from leadline.legal.pdf import notice_pdf
from leadline.legal.selectors import matters_visible_to, requirement
from leadline.notifications.models import Notification
from leadline.notifications.services import notify, work_done
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event
from leadline.participants.services import StaleEdit
from leadline.sites.models import Site
from leadline.sites.selectors import site_get

SYSTEM = "system:legal-clock"
MAX_EXTENSION_DAYS = 90


class LegalRefused(refusals.Refused):
    def __init__(self, field: str, message: str, errors: dict[str, str] | None = None):
        super().__init__(message, field)
        self.errors = errors or {field: message}  # every field that is wrong, for the form


def _tz(site: Site | None) -> str:
    return site.time_zone if site else "UTC"


def matter_open(*, actor: User, referral: Any, participant: Any) -> LegalMatter:
    """The matter an arrest diversion holds, opened once (a second call returns it). The rule and window
    are the site's on this day, copied so a later configuration change moves no deadline."""
    site = site_get()
    if site is None:
        raise LegalRefused("site", _("The site is not configured."))
    existing = LegalMatter.objects.filter(referral=referral).first()
    if existing is not None:
        return existing
    mode = site.legal_mode
    expunge = mode == LegalMatter.Mode.EXPUNGE_AFTER_PARTICIPATION
    days = site.expunge_after_days if expunge else site.no_file_window_days
    with transaction.atomic():
        matter = LegalMatter.objects.create(
            participant=participant, referral=referral, agency_id=referral.agency_id,
            incident_at=referral.occurred_at, mode=mode, window_days=days,
            contacts_needed=site.participation_contacts if expunge else 0,
            deadline_at=legal_clock.deadline(referral.occurred_at, days, _tz(site)),
            created_at=clock.now(),
        )  # fmt: skip
        offence = referral.offence
        Charge.objects.create(
            matter=matter,
            statute=offence.statute if offence else (referral.offence_other or "?"),
            description=offence.description if offence else "",
        )
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, subject_type="legal_matter", subject_id=matter.pk,
            participant_id=participant.pk,
            changes={"mode": mode, "window_days": days, "deadline": matter.deadline_at.isoformat()},
        )  # fmt: skip
        schedule(matter.deadline_at)
    return matter


def _reference(matter: LegalMatter) -> str:
    return f"LEAD-{matter.pk:06d}-{matter.cycle}"


def matters_resolve_due(*, now: datetime | None = None) -> int:
    """Act on every held matter whose deadline has passed: a clearance notice when the rule was met, a
    return-to-ordinary-processing notice when it was not. Idempotent; catches up on every deadline
    missed while the system was down. Returns how many matters it resolved."""

    now = now or clock.now()
    site = site_get()
    done = 0
    due = LegalMatter.objects.filter(state=LegalMatter.State.HELD, deadline_at__lte=now)
    for pk in list(due.order_by("deadline_at").values_list("pk", flat=True)):
        with transaction.atomic(durable=True):
            matter = (  # lock the matter's row only (PostgreSQL cannot lock the nullable side of a join)
                LegalMatter.objects.select_for_update(of=("self",))
                .select_related("participant", "agency", "referral")
                .get(pk=pk)
            )
            if matter.state != LegalMatter.State.HELD or matter.deadline_at > now:
                continue  # another run, or an extension, got there first
            req = requirement(matter)
            if req.met:
                kind = (
                    Notice.Kind.EXPUNGEMENT
                    if matter.mode == LegalMatter.Mode.EXPUNGE_AFTER_PARTICIPATION
                    else Notice.Kind.DO_NOT_FILE
                )
                matter.state = LegalMatter.State.CLEARANCE_SENT
            else:
                kind = Notice.Kind.RETURN
                matter.state = LegalMatter.State.RETURN_SENT
            matter.version += 1
            matter.save(update_fields=["state", "version"])
            notice = Notice(
                matter=matter, kind=kind, cycle=matter.cycle, reference=_reference(matter),
                sent_to=site.notice_recipient if site else "", generated_at=now, sha256="",
            )  # fmt: skip
            pdf = notice_pdf(notice=notice, matter=matter, requirement=req, site=site)
            notice.pdf, notice.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
            try:
                with transaction.atomic():
                    notice.save(force_insert=True)
            except IntegrityError:
                continue  # this cycle's notice exists: nothing more to do
            audit_record(
                actor=None, username=SYSTEM, action=AuditEvent.Action.CREATE, subject_type="legal_notice",
                subject_id=notice.pk, participant_id=matter.participant_id,
                changes={"kind": kind, "matter": matter.pk, "met": req.met, "state": matter.state},
            )  # fmt: skip
            _alert(matter, notice)  # in this transaction; its deliveries go after the commit
            done += 1
    return done


def notice_key(notice: Notice) -> str:
    """The work a notice is (core.inbox): confirming it. Its notifications and inbox item carry it."""
    return f"legal_notice:{notice.pk}"


def _alert(matter: LegalMatter, notice: Notice) -> None:
    """Tell the liaison prosecutors (and the matter's defender) that a notice waits for them, the way
    every notification goes: in their Leadline inbox always, by email or SMS as each prefers, outside their
    quiet hours, after the commit, from the task worker, retried and visible in the outbox. What goes out
    is the fixed sentence and a link: the person and the charge are read in Leadline, signed in, where the
    access is checked and audited (email is not a safe place for either). The program's side (the
    participant's case manager) hears that the notice went out."""
    people = list(policy.users_with_capability("legal_matter.edit"))  # the prosecutors
    if matter.defender_id and matter.defender:
        people.append(matter.defender)
    url = reverse("legal:detail", args=[matter.pk])
    notify(people, kind=Notification.Kind.LEGAL_NOTICE, url=url, work_key=notice_key(notice))
    _tell_program(actor=None, matter=matter, key=notice_key(notice), defender=False)


def _tell_program(*, actor: User | None, matter: LegalMatter, key: str, defender: bool = True) -> None:
    """A notice or the matter's clock changed: the participant's case manager (and the defender, unless
    they are the one acting) is told, as far as each may still open the matter — a sealed clearance is
    never shown to a criminal-justice role again, so nobody is sent to a page they cannot open."""
    participant = matter.participant
    people = [participant.case_manager] if participant is not None and participant.case_manager else []
    if defender and matter.defender_id and matter.defender:
        people.append(matter.defender)
    told = [
        u for u in people
        if u.pk != getattr(actor, "pk", None) and matters_visible_to(u).filter(pk=matter.pk).exists()
    ]  # fmt: skip
    notify(told, kind=Notification.Kind.LEGAL_UPDATE, url=reverse("legal:detail", args=[matter.pk]),
           work_key=key)  # fmt: skip


def _matter_for_edit(actor: User, matter_id: int) -> LegalMatter:

    if not policy.can(actor, "legal_matter.edit"):
        raise LegalRefused("__all__", _("Your role may not act on legal matters."))
    # Lock the matter row only (the scope joins the participant), and always the matter before its
    # notices, in every path, so a confirm and an extension at the same moment cannot deadlock.
    matter = matters_visible_to(actor).select_for_update(of=("self",)).filter(pk=matter_id).first()
    if matter is None:
        raise LegalRefused("__all__", _("This matter is not open to you."))
    return matter


def notice_confirm(*, actor: User, notice_id: int) -> Notice:
    """The prosecutor (or court) confirms a notice. A clearance seals the matter at once; a return hands
    it back to ordinary processing. Confirming twice changes nothing the second time."""
    matter_id = Notice.objects.filter(pk=notice_id).values_list("matter_id", flat=True).first()
    if matter_id is None:
        raise LegalRefused("__all__", _("This notice is not open to you."))
    with transaction.atomic(durable=True):
        matter = _matter_for_edit(actor, matter_id)
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.confirmed_at is not None:
            return notice
        if notice.withdrawn_at is not None:
            raise LegalRefused("__all__", _("This notice was withdrawn when the matter was extended."))
        now = clock.now()
        notice.confirmed_at, notice.confirmed_by = now, actor
        notice.save(update_fields=["confirmed_at", "confirmed_by"])
        if notice.is_clearance:
            matter.state, matter.sealed_at = LegalMatter.State.CLEARED, now
        else:
            matter.state = LegalMatter.State.RETURNED
        matter.resolved_at = now
        matter.version += 1
        matter.save(update_fields=["state", "sealed_at", "resolved_at", "version"])
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="legal_notice", subject_id=notice.pk,
            participant_id=matter.participant_id,
            changes={"confirmed": True, "matter": matter.pk, "state": matter.state},
        )  # fmt: skip
        # Every prosecutor's (and the defender's) "waiting for confirmation" is done; the other side told.
        work_done(work_key=notice_key(notice), kinds=[Notification.Kind.LEGAL_NOTICE])
        if matter.sealed_at is not None:
            # Every app answers for its own rows (the participants' lifecycle SEAL; today sealing hides
            # and erases nothing: the reads leave sealed matters out).
            lifecycle.run(Event.SEAL, actor=actor, matter=matter)
            site = site_get()
            schedule(now + timedelta(days=site.sealed_retention_days if site else 90))
        _tell_program(actor=actor, matter=matter, key=notice_key(notice))
    return notice


def matter_extend(*, actor: User, matter_id: int, days: int | None, reason: str, version: int) -> LegalMatter:
    """The prosecutor gives more time, with a reason: while the clock runs, or after a return notice that
    has not been confirmed (which is then withdrawn). The new deadline counts from the same start."""
    reason = (reason or "").strip()
    if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise LegalRefused(
            "days", _("Days to add: a whole number from 1 to %(max)s.") % {"max": MAX_EXTENSION_DAYS}
        )
    if len(reason) < 3:
        raise LegalRefused("reason", _("Reason: say why the participant is given more time."))
    site = site_get()
    tz = _tz(site)
    with transaction.atomic(durable=True):
        matter = _matter_for_edit(actor, matter_id)
        if matter.version != version:
            raise StaleEdit()
        if matter.state not in (LegalMatter.State.HELD, LegalMatter.State.RETURN_SENT):
            raise LegalRefused(
                "__all__",
                _("Only a held matter, or one whose return notice is unconfirmed, can be extended."),
            )
        new_days = matter.days + days
        if legal_clock.last_day(matter.incident_at, new_days, tz) < clock.today():
            raise LegalRefused(
                "days", _("Days to add: that would still end before today. Add at least %(n)s.") % {
                    "n": (clock.today() - legal_clock.last_day(matter.incident_at, matter.days, tz)).days,
                },
            )  # fmt: skip
        now = clock.now()
        withdrawn = Notice.objects.filter(
            matter=matter, kind=Notice.Kind.RETURN, confirmed_at__isnull=True, withdrawn_at__isnull=True
        )
        withdrawn_ids = list(withdrawn.values_list("pk", flat=True))
        withdrawn.update(withdrawn_at=now)
        for notice_id in withdrawn_ids:  # nothing left to confirm
            work_done(work_key=f"legal_notice:{notice_id}", kinds=[Notification.Kind.LEGAL_NOTICE])
        matter.extension_days += days
        matter.cycle += 1
        matter.deadline_at = legal_clock.deadline(matter.incident_at, new_days, tz)
        matter.state = LegalMatter.State.HELD
        matter.version += 1
        matter.save(update_fields=["extension_days", "cycle", "deadline_at", "state", "version"])
        extension = Extension.objects.create(
            matter=matter, days=days, reason=reason, granted_by=actor, granted_at=now
        )
        # The reason lives on the extension (purged with the matter); the append-only audit row keeps
        # who, when and how long, never the words, which may name the charge.
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="legal_matter", subject_id=matter.pk,
            participant_id=matter.participant_id,
            changes={
                "extension": extension.pk,
                "extended_by_days": days,
                "deadline": matter.deadline_at.isoformat(),
            },
        )  # fmt: skip
        schedule(matter.deadline_at)
        key = f"legal_notice:{withdrawn_ids[-1]}" if withdrawn_ids else f"legal_matter:{matter.pk}"
        _tell_program(actor=actor, matter=matter, key=key)
    return matter


def matter_set_defender(*, actor: User, matter_id: int, defender: User, version: int) -> LegalMatter:
    """Record who defends the participant on this matter (the court assigns counsel; the prosecutor's
    office records it here), so that defender — and no other — reads the matter and the client's records."""
    if defender is not None and getattr(defender, "role", "") != "defender":
        raise LegalRefused("defender", _("Defender: choose a defender's account."))
    with transaction.atomic(durable=True):
        matter = _matter_for_edit(actor, matter_id)
        if matter.version != version:
            raise StaleEdit()
        before = matter.defender_id
        matter.defender = defender
        matter.version += 1
        matter.save(update_fields=["defender", "version"])
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="legal_matter", subject_id=matter.pk,
            participant_id=matter.participant_id,
            changes={"defender": {"before": before, "after": defender.pk if defender else None}},
        )  # fmt: skip
    return matter


def sealed_purge_due(*, now: datetime | None = None) -> int:
    """Purge the details of matters sealed longer than the site's retention period: the charges, the
    notices' PDFs and the infraction on the referral (offence, place, the officer's words). What stays:
    the matter's dates and states, the audit trail (ids and actions, never the charge) and the
    de-identified evaluation record. Every app erases what its own rows hold of the infraction (the
    participants' lifecycle PURGE: this app's in legal.sealing, the referral's, the workgroup's agenda
    items...), in the matter's transaction, before the matter lets go of the person. Idempotent.
    Returns how many matters it purged."""
    now = now or clock.now()
    site = site_get()
    cutoff = now - timedelta(days=site.sealed_retention_days if site else 90)
    purged = 0
    due = LegalMatter.objects.filter(sealed_at__lte=cutoff, purged_at__isnull=True)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic(durable=True):
            matter = LegalMatter.objects.select_for_update().get(pk=pk)
            if matter.purged_at is not None:
                continue
            counts = lifecycle.run(Event.PURGE, matter=matter, now=now)
            if matter.participant_id is not None:
                # The matter and its referral no longer point at the person: a pseudonym (a keyed hash of
                # the participant's id, the same one the evaluation export uses) keeps the de-identified
                # evaluation record joinable without naming anyone.
                matter.person_key = person_key(matter.participant_id)
            matter.participant, matter.defender = None, None
            matter.purged_at, matter.purge_counts = now, counts
            matter.save(update_fields=["purged_at", "purge_counts", "participant", "defender", "person_key"])
            audit_record(
                actor=None, username=SYSTEM, action=AuditEvent.Action.DELETE, subject_type="legal_matter",
                subject_id=matter.pk, changes={"purged": counts},
            )  # fmt: skip
            purged += 1
    return purged


def person_key(participant_id: int) -> str:
    """The pseudonymous key of a participant for the evaluation (EVIDENCE-DATA.md `person_key`): a keyed
    hash, so it cannot be reversed without the deployment's secret."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("leadline.evaluation.person-key", str(participant_id)).hexdigest()[:32]


def schedule(when: datetime) -> None:
    """Ask the task worker to sweep at ``when`` (after this transaction commits). Each sweep handles every
    due matter, so a lost or late task is caught up by the next one, or by ``manage.py legal_sweep``."""
    from leadline.legal.tasks import legal_sweep  # the task runs these sweeps: a same-app pair

    def enqueue() -> None:
        task = legal_sweep
        if task.get_backend().supports_defer:
            task = task.using(run_after=when)
        task.enqueue()

    transaction.on_commit(enqueue)

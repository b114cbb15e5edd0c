"""Telling people things (issue #8, item 4): ``notify`` makes the in-app notification and its email/SMS
deliveries in the caller's transaction; after it commits a task sends them (the task worker: never the
request, which a hung provider would hold for its whole timeout — issue #15, item 7), and whatever fails is
retried with growing waits (``deliver_due``, every few minutes from the task worker or cron) until it is
sent or given up after MAX_ATTEMPTS — every attempt visible in the outbox. ``queue_to_address`` does the
same for a message to an address outside Leadline's users (a calling officer's phone, a court reminder,
an organisation's email), whose text its caller writes.

What goes out is fixed per kind: a sentence and a link to sign in. Callers cannot put participant content
in an email or SMS, because they do not write the text (a hand-off page's SMS is the one exception, the
door, offence code and place the paging code composes without a name).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.core.actors import Actor
from leadline.core.clock import zone_name
from leadline.core.refusals import Conflict, Refused
from leadline.core.sms import send_sms
from leadline.notifications.models import Delivery, Notification, Preference
from leadline.notifications.tasks import send_deliveries

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

logger = logging.getLogger(__name__)
K = Notification.Kind
SUBJECTS = {
    K.HANDOFF_PAGE: gettext_lazy("A LEAD hand-off needs you"),
    K.MESSAGE: gettext_lazy("You have a new message in Leadline"),
    K.ACTION_ITEM: gettext_lazy("An action item in Leadline is yours"),
    K.MEETING: gettext_lazy("A workgroup meeting in Leadline has changed"),
    K.SERVICE_REFERRAL: gettext_lazy("A service referral in Leadline needs you"),
    K.ACCOUNT: gettext_lazy("An administrator reset how you sign in to Leadline"),
    K.LEGAL_NOTICE: gettext_lazy("A LEAD legal notice in Leadline waits for confirmation"),
    K.HANDOFF_UPDATE: gettext_lazy("A LEAD hand-off you take part in has changed"),
    K.REFERRAL: gettext_lazy("A LEAD referral in Leadline needs you"),
    K.REFERRAL_UPDATE: gettext_lazy("A LEAD referral you made has been decided"),
    K.SERVICE_REFERRAL_UPDATE: gettext_lazy("A service referral you take part in has changed"),
    K.LEGAL_UPDATE: gettext_lazy("A LEAD legal notice in Leadline has changed"),
}
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


# Kinds a person may hear of in the app only; hand-off pages and changes to how they sign in always go out.
MUTABLE_KINDS = [k for k in K if k not in (K.HANDOFF_PAGE, K.ACCOUNT)]
PREFERENCE_FIELDS = ("by_email", "by_sms", "muted_kinds", "quiet_from", "quiet_until")


def preference_for(user: Actor) -> Preference:
    owner = cast(Any, user)  # the FK wants the User model, which lives above notifications; an Actor is one
    return Preference.objects.filter(user=owner).first() or Preference(user=owner)


def _preference_validate(muted_kinds: list[str], quiet_from: time | None, quiet_until: time | None) -> None:
    """The form says the same to a person; this keeps any other caller from saving what it refuses."""
    if any(kind not in MUTABLE_KINDS for kind in muted_kinds):
        raise Refused(_("Hand-off pages and changes to how you sign in cannot be muted."), "muted_kinds")
    if (quiet_from is None) != (quiet_until is None):
        raise Refused(_("Give both ends of the quiet hours, or neither."),
                      "quiet_until" if quiet_from else "quiet_from")  # fmt: skip
    if quiet_from is not None and quiet_from == quiet_until:
        raise Refused(_("The quiet hours must end at another time than they start."), "quiet_until")


def preference_update(
    *,
    actor: Any,
    version: int,
    by_email: bool,
    by_sms: bool,
    muted_kinds: list[str],
    quiet_from: time | None,
    quiet_until: time | None,
) -> tuple[Preference, bool]:
    """Save how ``actor`` wants to be told, if the settings they read (``version``) are still the current
    ones; audited. Idempotent: settings equal to the saved ones change nothing (no new version, no audit
    row), so a form sent twice, or saved unchanged, is answered as saved. Settings changed in another
    window since they were read are refused (409). Returns the preference and whether it changed."""
    _preference_validate(muted_kinds, quiet_from, quiet_until)
    wanted = {"by_email": by_email, "by_sms": by_sms, "muted_kinds": list(muted_kinds),
              "quiet_from": quiet_from, "quiet_until": quiet_until}  # fmt: skip
    stale = Conflict(_("These settings were changed in another window. Read them again."))
    with transaction.atomic(durable=True):
        locked = Preference.objects.select_for_update().filter(user=actor).first()
        if locked is not None and all(getattr(locked, name) == value for name, value in wanted.items()):
            return locked, False  # already so: the same form again, or saved unchanged
        if locked is not None and locked.version != version:
            raise stale
        pref = locked or Preference(user=actor)
        for name, value in wanted.items():
            setattr(pref, name, value)
        pref.version = (locked.version + 1) if locked else 1
        try:
            with transaction.atomic():
                pref.save()
        except IntegrityError:  # a first save in another window at the same moment
            raise stale from None
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="notification_preference",
                     subject_id=pref.pk)  # fmt: skip
    return pref, True


def _zone() -> ZoneInfo:

    return ZoneInfo(zone_name())


def quiet_until(pref: Preference, now: datetime) -> datetime | None:
    """The end of the person's quiet hours if ``now`` falls inside them (a window may span midnight)."""
    start, end = pref.quiet_from, pref.quiet_until
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(_zone())
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)


def _body(notification: Notification, channel: str, text: str | None) -> str:
    link = (
        f"{settings.LEADLINE_PUBLIC_URL}{notification.url}"
        if notification.url
        else settings.LEADLINE_PUBLIC_URL
    )
    if text and channel == Delivery.Channel.SMS:  # a hand-off page; its email says only the fixed sentence
        return f"{text} {link}"
    if channel == Delivery.Channel.SMS:
        return _("Leadline: %(subject)s. Sign in to read it: %(link)s") % {"subject": notification.subject,
                                                                          "link": link}  # fmt: skip
    return _("%(subject)s.\n\nSign in to Leadline to read it:\n%(link)s\n\nFor your safety and the "
             "participants', Leadline never puts the details in an email.\n") % {
        "subject": notification.subject, "link": link}  # fmt: skip


def notify(
    recipients: Iterable[Any], *, kind: str, url: str = "", text: str | None = None, work_key: str = ""
) -> list[Notification]:
    """Tell each recipient (active users) about something of ``kind``: in the app always; by email and SMS
    as they prefer (a hand-off page by SMS whenever they have a phone, whatever the hour). ``text`` is
    only for hand-off pages. ``work_key`` names the work it tells of ("handoff:12"), the key the inbox item
    about the same work carries; ``work_done`` marks it done. Sent after the caller's transaction commits."""
    if text is not None and kind != K.HANDOFF_PAGE:
        raise ValueError("only a hand-off page carries its own text")
    now = clock.now()
    made: list[Notification] = []
    deliveries: list[int] = []
    urgent = kind == K.HANDOFF_PAGE
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        pref = preference_for(user)
        with translation.override(getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE):
            subject = str(SUBJECTS[K(kind)])
            notification = Notification.objects.create(user=user, kind=kind, subject=subject, url=url,
                                                       urgent=urgent, created_at=now,
                                                       work_key=work_key)  # fmt: skip
            made.append(notification)
            muted = kind in (pref.muted_kinds or []) and not urgent
            later = None if urgent else quiet_until(pref, now)
            channels = []
            if user.email and pref.by_email and not muted:
                channels.append((Delivery.Channel.EMAIL, user.email))
            phone = getattr(user, "phone", "")
            if phone and (urgent or (pref.by_sms and not muted)):
                channels.append((Delivery.Channel.SMS, phone))
            for channel, to in channels:
                made_one = Delivery.objects.create(notification=notification, channel=channel, to=to,
                                                   body=_body(notification, channel, text),
                                                   next_attempt_at=later or now, created_at=now)  # fmt: skip
                deliveries.append(made_one.pk)
    if deliveries:
        _queue(deliveries)
    return made


def queue_to_address(*, kind: str, channel: str, to: str, body: str, subject: str = "") -> Delivery:
    """Send ``body`` (and, by email, ``subject``) to an address that is not a Leadline user's — after the
    caller's transaction commits, from the task worker, retried like every delivery. The caller writes the
    words and answers for what they may say (a court reminder names the date, time and court only; an
    organisation's email never the person). Once sent, the words are not kept."""
    delivery = Delivery.objects.create(kind=Delivery.Kind(kind), channel=channel, to=to, body=body,
                                       subject=subject, next_attempt_at=clock.now(),
                                       created_at=clock.now())  # fmt: skip
    _queue([delivery.pk])
    return delivery


def _queue(ids: list[int]) -> None:
    """After the commit, a task sends them. If the task cannot be queued (the database went away at that
    moment), they wait for ``deliver_due``, which finds every delivery that is due."""

    def enqueue() -> None:
        try:
            send_deliveries.enqueue(ids)
        except Exception:
            logger.exception("deliveries %s not queued; the next deliver_due sends them", ids)

    transaction.on_commit(enqueue)


def _send(delivery: Delivery) -> None:
    if delivery.channel == Delivery.Channel.SMS:
        send_sms(delivery.to, delivery.body)
        return
    from django.core.mail import send_mail

    if delivery.notification_id is None:
        subject = delivery.subject
    else:
        subject = "Leadline: " + delivery.body.split("\n", 1)[0].rstrip(".")[:150]
    send_mail(subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.to])


def deliver(ids: Iterable[int]) -> int:
    """Try these deliveries now (those due and still waiting); returns how many went."""
    sent = 0
    for delivery in Delivery.objects.filter(pk__in=list(ids), status=Delivery.Status.PENDING,
                                            next_attempt_at__lte=clock.now()):  # fmt: skip
        now = clock.now()
        with transaction.atomic(durable=True):
            locked = (
                Delivery.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk=delivery.pk, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
                .select_related("notification__user")
                .first()
            )
            if locked is None:  # another worker took it, or it failed a moment ago and waits its turn
                continue
            locked.attempts += 1
            try:
                _send(locked)
            except Exception as exc:  # any provider failure: kept, retried, shown in the outbox
                logger.warning(
                    "delivery %s failed (attempt %s): %s", locked.pk, locked.attempts, type(exc).__name__
                )
                locked.last_error = f"{type(exc).__name__}: {exc}"[:300]
                if locked.attempts >= MAX_ATTEMPTS:
                    locked.status = Delivery.Status.FAILED
                else:
                    retry_at = now + BACKOFF[min(locked.attempts, len(BACKOFF)) - 1]
                    told = locked.notification
                    if told is not None and not told.urgent:  # a retry respects quiet hours as the first did
                        retry_at = quiet_until(preference_for(told.user), retry_at) or retry_at
                    locked.next_attempt_at = retry_at
            else:
                locked.status, locked.sent_at, locked.last_error = Delivery.Status.SENT, now, ""
                if locked.notification_id is None:
                    locked.body = ""  # a message to an address: its words are not kept once delivered
                sent += 1
            locked.save()
    return sent


def deliver_due() -> int:
    """Every delivery whose time has come (first tries after quiet hours, and retries)."""
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=clock.now())
    return deliver(due.values_list("pk", flat=True))


def retry(*, actor: Actor, delivery_id: int) -> Delivery:
    """An administrator sends a given-up delivery again (the provider is back)."""
    with transaction.atomic(durable=True):
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=clock.now()
        )
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="notification_delivery",
                     subject_id=delivery_id, changes={"retry": True})  # fmt: skip
        _queue([delivery_id])
    return Delivery.objects.get(pk=delivery_id)


def mark_read(*, user: Actor, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=cast(Any, user), read_at__isnull=True)  # cast: preference_for
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())


def work_done(*, work_key: str, user: Actor | None = None, kinds: Iterable[str] | None = None) -> int:
    """The work ``work_key`` names is done (a hand-off acknowledged, a referral decided, a message read):
    every notification about it that is not done yet is marked done (and read) — for everyone told, or only
    for ``user`` when the work was one person's (a message they read); only those of ``kinds`` when given
    (the provider's "needs you" is done when they answer, the sender's "it has an answer" when they read
    it: one key, two pieces of work). Call it in the transaction that does the work. Returns how many were
    marked. A notification that only informs (the officer told "acknowledged") is never passed here: it is
    not work, and stays unread until its reader reads it (decision 0037)."""
    if not work_key:
        return 0
    now = clock.now()
    open_ = Notification.objects.filter(work_key=work_key, done_at__isnull=True)
    if user is not None:
        open_ = open_.filter(user=cast(Any, user))
    if kinds is not None:
        open_ = open_.filter(kind__in=list(kinds))
    ids = list(open_.values_list("pk", flat=True))
    if not ids:
        return 0
    marked = Notification.objects.filter(pk__in=ids).update(done_at=now)
    Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=now)
    return marked


def unread_count(user: Actor | AnonymousUser) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=cast(Any, user), read_at__isnull=True).count()  # cast: as above


def deliveries_erase(*, notification_ids: Any) -> int:
    """Empty the text of every SMS or email sent for these notifications (ids, or a query of them): the
    owner of the notifications asks when what they said must not outlive a purge (a sealed infraction's
    hand-off pages named the place and the offence). Returns how many deliveries were emptied."""
    return Delivery.objects.filter(notification__in=notification_ids).update(body="")

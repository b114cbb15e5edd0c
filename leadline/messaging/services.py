"""Every write to message threads: start one, post, add a member, mark read. Keyword-only, atomic, audited in
the same transaction; the other members are told after it commits, by a fixed sentence and a link — never
the subject or the body (notifications.services.notify writes the words, not us)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts import policy as access_policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.messaging import policy
from leadline.messaging.models import Message, Thread, ThreadMember
from leadline.notifications.models import Notification
from leadline.notifications.services import notify, work_done
from leadline.participants.models import Participant


class MessagingRefused(refusals.Refused):
    """A write the rules refuse, naming the form field (None: the form as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message, field or "")


IdempotencyConflict = refusals.IdempotencyConflict  # the key was already used for another message (409)
REUSED = gettext_lazy("This form was already used for another message. Write it again.")


def thread_url(thread: Thread) -> str:
    return reverse("messaging:thread", kwargs={"thread_id": thread.pk})


def thread_key(thread: Thread | int) -> str:
    """The work a thread is for each member (core.inbox): reading what is new in it."""
    return f"message_thread:{getattr(thread, 'pk', thread)}"


def _not_allowed_member() -> MessagingRefused:
    return MessagingRefused("members", _("Someone you chose may not discuss this participant."))


def thread_start(
    *, actor: User, participant: Participant, subject: str, body: str, members: Iterable[Any],
    idempotency_key: str,
) -> tuple[Thread, bool]:  # fmt: skip
    """Start a thread about ``participant`` with a first message; returns (thread, created). The program
    starts threads, with people who may discuss the participant now; a repeated submit (same key) returns
    the first thread."""
    if participant.merged_into_id is not None or not policy.may_start(actor, participant):
        raise MessagingRefused(None, _("You may not start a thread about this participant."))
    existing = Message.objects.filter(author=actor, idempotency_key=idempotency_key).select_related("thread")
    first = existing.first()
    if first is not None:
        return _replayed_start(first, participant, subject, body), False
    chosen = {m.pk: m for m in members if m.pk != actor.pk}
    if not chosen:
        raise MessagingRefused("members", _("Choose at least one person to write to."))
    allowed = {person.pk for person, _standing in policy.candidates(participant)}
    if set(chosen) - allowed:
        raise _not_allowed_member()
    now = clock.now()
    try:
        with transaction.atomic(durable=True):
            thread = Thread.objects.create(participant=participant, subject=subject, started_by=actor,
                                           created_at=now, last_message_at=now)  # fmt: skip
            ThreadMember.objects.bulk_create(
                [ThreadMember(thread=thread, user=actor, added_by=actor, joined_at=now, last_read_at=now)]
                + [
                    ThreadMember(thread=thread, user=m, added_by=actor, joined_at=now)
                    for m in chosen.values()
                ]
            )
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, subject_type="message_thread",
                subject_id=thread.pk, participant_id=participant.pk,
                changes={"subject": "[redacted]", "members": sorted([actor.pk, *chosen])},
            )  # fmt: skip
            _post(actor=actor, thread=thread, participant=participant, body=body,
                  idempotency_key=idempotency_key, now=now)  # fmt: skip
    except IntegrityError:
        # A twin submit raced past the check above; the unique constraint kept one.
        first = Message.objects.select_related("thread").get(author=actor, idempotency_key=idempotency_key)
        return _replayed_start(first, participant, subject, body), False
    return thread, True


def _replayed_start(first: Message, participant: Participant, subject: str, body: str) -> Thread:
    thread = first.thread
    if (thread.participant_id, thread.subject, first.body) != (participant.pk, subject, body):
        raise IdempotencyConflict(str(REUSED))
    return thread


def message_post(*, actor: User, thread: Thread, body: str, idempotency_key: str) -> tuple[Message, bool]:
    """Post a message (append-only: nothing edits or deletes one); returns (message, created). The actor
    must be a member who may read the thread now; a repeated submit returns the first message."""
    existing = Message.objects.filter(author=actor, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replayed_post(existing, thread, body), False
    readable = policy.readable_threads(actor, [thread]).get(thread.pk)
    is_member = ThreadMember.objects.filter(thread=thread, user=actor).exists()
    if readable is None or not is_member or not _may_write(actor):
        raise MessagingRefused(None, _("You may no longer write in this thread."))
    try:
        with transaction.atomic(durable=True):
            message = _post(actor=actor, thread=thread, participant=readable.participant, body=body,
                            idempotency_key=idempotency_key, now=clock.now())  # fmt: skip
    except IntegrityError:
        twin = Message.objects.get(author=actor, idempotency_key=idempotency_key)
        return _replayed_post(twin, thread, body), False
    return message, True


def _may_write(actor: User) -> bool:

    return access_policy.can(actor, "message.edit")


def _replayed_post(existing: Message, thread: Thread, body: str) -> Message:
    if (existing.thread_id, existing.body) != (thread.pk, body):
        raise IdempotencyConflict(str(REUSED))
    return existing


def _post(*, actor: User, thread: Thread, participant: Participant, body: str, idempotency_key: str,
          now: Any) -> Message:  # fmt: skip
    """The message, its outside audience, the thread's clock, the audit row and the notices — in the
    caller's transaction."""
    message = Message.objects.create(thread=thread, author=actor, body=body, posted_at=now,
                                     idempotency_key=idempotency_key)  # fmt: skip
    members = [m.user for m in ThreadMember.objects.filter(thread=thread).select_related("user")]
    may_read = policy.members_readable(thread, participant, members)
    outside = [uid for uid, s in may_read.items() if s.outside]
    if actor.pk in outside:
        # Someone outside the program writes to the program only: what a provider writes (a detox bed) is
        # not the DA's to read, nor the DA's words the provider's — each consent names its own recipient.
        outside = [actor.pk]
    if outside:
        message.outside_readers.set(outside)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    ThreadMember.objects.filter(thread=thread, user=actor).update(last_read_at=now)
    work_done(work_key=thread_key(thread), user=actor, kinds=[Notification.Kind.MESSAGE])  # read to answer
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, subject_type="message", subject_id=message.pk,
        participant_id=participant.pk,
        changes={"thread": thread.pk, "body": body, "outside_readers": sorted(outside)},
    )  # fmt: skip

    readers = {uid for uid, s in may_read.items() if not s.outside} | set(outside)
    told = [m for m in members if m.pk != actor.pk and m.pk in readers]
    if told:
        notify(told, kind=Notification.Kind.MESSAGE, url=thread_url(thread), work_key=thread_key(thread))
    return message


def member_add(*, actor: User, thread: Thread, user: User) -> tuple[ThreadMember, bool]:
    """The program adds someone who may discuss the participant now; returns (membership, created). Adding
    a member twice is one membership. A member outside the program reads only what is posted from now on."""
    readable = policy.readable_threads(actor, [thread]).get(thread.pk)
    if (
        readable is None or readable.standing.outside or not _may_write(actor)
        or not ThreadMember.objects.filter(thread=thread, user=actor).exists()
    ):  # fmt: skip
        raise MessagingRefused(None, _("Only the program adds people to a thread."))
    if user.pk not in {person.pk for person, _s in policy.candidates(readable.participant)}:
        raise MessagingRefused("member", _("This person may not discuss this participant."))
    with transaction.atomic(durable=True):
        membership, created = ThreadMember.objects.get_or_create(
            thread=thread, user=user, defaults={"added_by": actor, "joined_at": clock.now()}
        )
        if created:
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, subject_type="message_thread",
                subject_id=thread.pk, participant_id=readable.participant.pk,
                changes={"member_added": user.pk},
            )  # fmt: skip
    return membership, created


def thread_mark_read(*, user: User, thread: Thread) -> None:
    """The member has read the thread up to now (an unread marker, not a record of the reading: that is
    the audit row the selector writes)."""
    with transaction.atomic():
        ThreadMember.objects.filter(thread=thread, user=user).update(last_read_at=clock.now())
        # This reader's "new message" notifications are done; the other members' wait for their reading.
        work_done(work_key=thread_key(thread), user=user, kinds=[Notification.Kind.MESSAGE])

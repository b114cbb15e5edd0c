"""Every read of message threads: takes the user, returns only what they may read now, writes the audit
row (and, for a reader outside the program, the Disclosure rows with the 2.32 notice); 404 otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_subjects
from leadline.consents.models import DisclosureNotice
from leadline.consents.services import disclosures_record
from leadline.messaging import policy
from leadline.messaging.models import Message, Thread, ThreadMember
from leadline.participants.models import Participant

THREADS_PER_PAGE = 25
MESSAGES_PER_PAGE = 50


def _disclose(user: User, shown: dict[int, policy.Standing]) -> DisclosureNotice | None:
    """Each showing outside the program is a logged disclosure under the consent that opens it."""
    outside = {pid: (s.consent, list(s.infos)) for pid, s in shown.items() if s.outside and s.consent}
    if not outside:
        return None
    return disclosures_record(recipient=user, shown=outside, channel="page")


@dataclass
class ThreadRow:
    thread: Thread
    participant: Participant  # the survivor
    unread: bool
    subject: str = ""  # as this reader may read it


def _subjects_for(user: User, threads: list[Thread], outside: set[int]) -> dict[int, str]:
    """A thread's subject was written with its first message: a reader outside the program who was not
    among that message's readers reads a neutral title instead (it may say what they were not told)."""

    firsts: dict[int, int] = {}
    for thread_id, message_id in (
        Message.objects.filter(thread_id__in=[t.pk for t in threads if t.pk in outside])
        .order_by("thread_id", "posted_at", "id").values_list("thread_id", "id")
    ):  # fmt: skip
        firsts.setdefault(thread_id, message_id)
    shared = set(
        Message.outside_readers.through.objects.filter(message_id__in=firsts.values(), user_id=user.pk)
        .values_list("message_id", flat=True)
    )  # fmt: skip
    neutral = str(_("A thread about a participant"))
    return {
        t.pk: t.subject if t.pk not in outside or firsts.get(t.pk) in shared else neutral for t in threads
    }


@dataclass
class ThreadList:
    page: Page
    rows: list[ThreadRow]
    notice: DisclosureNotice | None


def thread_list_for(*, user: User, page_number: Any = None, participant_id: int | None = None) -> ThreadList:
    """The threads ``user`` is a member of and may still read, the latest first, 25 a page; one audit row
    per thread shown (and a disclosure per participant for a reader outside the program)."""
    mine = list(
        Thread.objects.filter(members__user=user)
        .select_related("participant")
        .order_by("-last_message_at", "-id")
    )
    readable = policy.readable_threads(user, mine)
    listed = [
        t for t in mine
        if t.pk in readable and (participant_id is None or readable[t.pk].participant.pk == participant_id)
    ]  # fmt: skip
    page = Paginator(listed, THREADS_PER_PAGE).get_page(page_number)
    shown: list[Thread] = list(page.object_list)
    outside = any(readable[t.pk].standing.outside for t in shown)
    unread = _unread(user, [t.pk for t in shown], outside=outside)
    subjects = _subjects_for(user, shown, {t.pk for t in shown if readable[t.pk].standing.outside})
    rows = [ThreadRow(thread=t, participant=readable[t.pk].participant, unread=t.pk in unread,
                      subject=subjects[t.pk]) for t in shown]  # fmt: skip
    audit_record_subjects(
        actor=user, action=AuditEvent.Action.LIST, subject_type="message_thread",
        subjects=[(r.thread.pk, r.participant.pk) for r in rows],
    )  # fmt: skip
    notice = _disclose(user, {r.participant.pk: readable[r.thread.pk].standing for r in rows})
    return ThreadList(page=page, rows=rows, notice=notice)


def _unread(user: User, thread_ids: list[int], *, outside: bool) -> set[int]:
    """The threads holding a message by someone else, posted after the member last read, that the member
    may see (one query)."""
    if not thread_ids:
        return set()
    newer = Message.objects.filter(thread=OuterRef("thread")).exclude(author=user)
    if outside:
        newer = newer.filter(outside_readers=user)
    rows = (
        ThreadMember.objects.filter(user=user, thread_id__in=thread_ids)
        .annotate(
            any_new=Exists(newer), new_since=Exists(newer.filter(posted_at__gt=OuterRef("last_read_at")))
        )
        .filter(Q(last_read_at__isnull=True, any_new=True) | Q(new_since=True))
    )
    return set(rows.values_list("thread_id", flat=True))


@dataclass
class MemberRow:
    user: Any
    outside: bool
    may_read: bool


@dataclass
class ThreadView:
    thread: Thread
    participant: Participant  # the survivor
    standing: policy.Standing
    page: Page
    members: list[MemberRow]
    outside_members: list[tuple[Any, policy.Standing]] = field(default_factory=list)
    joined_at: Any = None
    notice: DisclosureNotice | None = None
    subject: str = ""  # as this reader may read it

    @property
    def outside(self) -> bool:
        return self.standing.outside


def thread_open_for(*, user: User, thread_id: int) -> tuple[Thread, policy.Readable]:
    """The thread and the user's standing, when they are a member who may read it now; else 404, audited
    as a refusal (not found and not allowed look the same)."""
    thread = Thread.objects.filter(pk=thread_id, members__user=user).select_related("participant").first()
    readable = policy.readable_threads(user, [thread]).get(thread_id) if thread is not None else None
    if thread is None or readable is None:
        audit_record(actor=user, action=AuditEvent.Action.DENIED, subject_type="message_thread",
                     subject_id=thread_id)  # fmt: skip
        raise Http404
    return thread, readable


def thread_get_for(*, user: User, thread_id: int, page_number: Any = None) -> ThreadView:
    """The thread as ``user`` may read it now, audited (and logged as a disclosure with its notice for a
    reader outside the program, who sees only the messages posted while they could read the thread)."""
    thread, readable = thread_open_for(user=user, thread_id=thread_id)
    messages = thread.messages.select_related("author__agency").order_by("posted_at", "id")
    if readable.standing.outside:
        messages = messages.filter(outside_readers=user)
    else:
        messages = messages.prefetch_related("outside_readers")
    paginator = Paginator(messages, MESSAGES_PER_PAGE)
    page = paginator.get_page(page_number or paginator.num_pages)  # the latest page first
    memberships = list(thread.members.select_related("user__agency"))
    may_read = policy.members_readable(thread, readable.participant, [m.user for m in memberships])
    view = ThreadView(
        thread=thread, participant=readable.participant, standing=readable.standing, page=page,
        # A reader outside the program sees the program's people and themselves: who else outside reads it
        # (a treatment provider, the DA) would tell them what their consent does not.
        members=[MemberRow(user=m.user, outside=m.user.role in policy.GATE, may_read=m.user_id in may_read)
                 for m in memberships
                 if not readable.standing.outside or m.user_id == user.pk or m.user.role not in policy.GATE],
        subject=_subjects_for(user, [thread], {thread.pk} if readable.standing.outside else set())[thread.pk],
        outside_members=[(m.user, may_read[m.user_id]) for m in memberships
                         if m.user_id in may_read and may_read[m.user_id].outside],
        joined_at=next((m.joined_at for m in memberships if m.user_id == user.pk), None),
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditEvent.Action.VIEW, subject_type="message_thread", subject_id=thread.pk,
        participant_id=readable.participant.pk, changes={"messages": [m.pk for m in page.object_list]},
    )  # fmt: skip
    view.notice = _disclose(user, {readable.participant.pk: readable.standing})
    return view

"""Messages in the "needs you" inbox (issue #17, core.inbox): the threads holding a message the reader has
not read yet, among those they may still read now (``policy.readable_threads``: a consent that ended or a
sealing closes a thread, and it leaves the inbox with it). Reading the thread (its page) is the work: it
marks the membership read and the thread's "new message" notifications done (``services.thread_mark_read``).

Who and what: to the program's people, the participant's name and the thread's subject; to a reader outside
the program (prosecutor, defender, provider) neither — each showing of a participant to them is a
disclosure the thread's own page records with its 2.32 notice — only that a thread about a participant
has something new.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts import policy as access_policy
from leadline.core.inbox import InboxItem, InboxSource, register_source
from leadline.messaging import policy
from leadline.messaging.models import Message, Thread, ThreadMember
from leadline.messaging.services import thread_key, thread_url

KIND = "message_unread"
CAP = 100  # unread threads looked at for one reader; the count says "100" beyond (one page of work)


def _unread_threads(user: Any) -> list[Thread]:
    """The threads where a message by someone else, that this member may see, came after their last
    reading (one query, as the thread list marks "New"; at most CAP, the oldest news first)."""
    newer = Message.objects.filter(thread=OuterRef("thread")).exclude(author=user)
    if access_policy.role_of(user) in policy.OUTSIDE_ROLES:
        newer = newer.filter(outside_readers=user)  # only what was posted for them
    rows = (
        ThreadMember.objects.filter(user=user)
        .annotate(
            any_new=Exists(newer), new_since=Exists(newer.filter(posted_at__gt=OuterRef("last_read_at")))
        )
        .filter(Q(last_read_at__isnull=True, any_new=True) | Q(new_since=True))
        .select_related("thread__participant")
        .order_by("thread__last_message_at", "thread_id")
    )
    return [m.thread for m in rows[:CAP]]


def _readable_unread(user: Any) -> tuple[list[Thread], dict[int, policy.Readable]]:
    threads = _unread_threads(user)
    readable = policy.readable_threads(user, threads)
    return [t for t in threads if t.pk in readable], readable


def items(user: Any, limit: int) -> list[InboxItem]:
    threads, readable = _readable_unread(user)
    out = []
    for thread in threads[:limit]:
        seen = readable[thread.pk]
        inside = not seen.standing.outside
        out.append(
            InboxItem(
                kind=KIND,
                what=(_("New messages: %(subject)s") % {"subject": thread.subject})
                if inside
                else _("New messages in a thread about a participant"),
                who=seen.participant.display_name if inside else "",
                since=thread.last_message_at,
                url=thread_url(thread),
                work_key=thread_key(thread),
            )
        )
    return out


def count(user: Any) -> int:
    """How many (up to CAP): a fixed number of queries, the same reading as the items'."""
    return len(_readable_unread(user)[0])


register_source(
    InboxSource(
        kind=KIND,
        label=gettext_lazy("Messages you have not read"),
        capability="message.view",
        items=items,
        count=count,
        order=50,
    )
)

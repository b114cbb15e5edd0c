"""Action items in the "needs you" inbox (issue #17, core.inbox): those the reader owns and has not marked
done, the nearest due first. Marking one done (``services.action_done``, by its owner or the program
manager) takes it out, and marks its notification done.

What: the action's own words, which its owner reads on the action items page already. Who: the participant
the agenda item was about, named only when the owner may open that participant's card or record (an action
about someone goes to the program's people, decision 0026; the name follows their access, never the item).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.core.inbox import InboxItem, InboxSource, register_source
from leadline.participants.policy import participant_access
from leadline.workgroup.models import ActionItem
from leadline.workgroup.services import action_key

KIND = "action_item_mine"


def _mine(user: Any) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(owner_id=getattr(user, "pk", None), done_at__isnull=True)


def _who(user: Any, action: ActionItem) -> str:
    person = action.item.participant if action.item is not None else None
    if person is None or person.merged_into_id is not None:
        return ""
    access = participant_access(user, person)
    return (
        person.display_name
        if access.has("participant_card.view") or access.has("participant_record.view")
        else ""
    )


def items(user: Any, limit: int) -> list[InboxItem]:
    url = reverse("workgroup:actions")
    rows = _mine(user).select_related("item__participant").order_by("due_on", "id")[:limit]
    return [
        InboxItem(
            kind=KIND,
            what=_("Action item: %(text)s") % {"text": a.text},
            who=_who(user, a),
            since=a.created_at,
            url=url,
            work_key=action_key(a),
            due=a.due_on,
        )
        for a in rows
    ]


register_source(
    InboxSource(
        kind=KIND,
        label=gettext_lazy("Your action items"),
        capability="workgroup.view",
        items=items,
        count=lambda u: _mine(u).count(),
        order=70,
    )
)

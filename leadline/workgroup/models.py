"""The operational workgroup (issue #8, item 1): line officers, the liaison prosecutor, defenders, case
managers and providers meet every week or two about individual participants. A meeting has an agenda
built from what happened since the last one (agenda.py), minutes, decisions and action items with an
owner and a due date, tracked to done. Each member reads each agenda item through their role and the
participant's consents (agenda.item_views): the same meeting, different pages.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Member(models.Model):
    """A member of the workgroup; the agency is the user's own (members are listed by agency)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workgroup_member"
    )
    active = models.BooleanField(default=True)
    since = models.DateField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The member's private iCalendar feed address (calendar apps cannot sign in); renewing ends the old one.
    calendar_token = models.CharField(max_length=43, unique=True)

    def __str__(self) -> str:
        return f"member {self.user_id}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # iCalendar UID
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place or call link"), max_length=300)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    # The program's own record of the discussion: read by the program only (it may name anything).
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"meeting {self.starts_at:%Y-%m-%d}"


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        NEW_REFERRAL = "new_referral", _("New referral")
        POLICE_CONTACT = "police_contact", _("New police contact")
        NEW_CHARGE = "new_charge", _("New charge")
        DEADLINE = "deadline", _("Deadline close")
        INACTIVE = "inactive", _("Inactive for more than 30 days")
        CARRIED_OVER = "carried_over", _("Carried over")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")  # fmt: skip
    matter = models.ForeignKey("legal.LegalMatter", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")  # fmt: skip
    due_on = models.DateField(null=True, blank=True)  # a deadline's day
    happened_on = models.DateField(null=True, blank=True)  # when the event itself happened
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_key = models.CharField(max_length=80)  # what it came from: building twice adds nothing
    position = models.PositiveIntegerField(default=0)
    discussed = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "source_key"], name="agenda_item_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.source_key})"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    text = models.CharField(_("decision"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "recorded_by", "idempotency_key"], name="decision_once"
            )
        ]

    def __str__(self) -> str:
        return f"decision #{self.pk}"


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    item = models.ForeignKey(AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.CharField(_("what to do"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="workgroup_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")  # fmt: skip
    done_note = models.CharField(_("what was done"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return f"action #{self.pk}"

"""Notifications in one place (issue #8, item 4): every notice Leadline gives a person is a Notification
(always in the app), delivered by email and SMS through the provider interfaces as a Delivery each, by the
person's preferences and quiet hours, after the transaction commits, and retried until it goes or is given
up — visible to administrators in the outbox.

A notification never carries participant content: its subject is a fixed sentence per kind ("You have a
new message in Leadline"), and an email or SMS only asks the person to sign in. The one exception is the
hand-off page, whose SMS names the door, the offence code and the place, never a person (decision 0008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        HANDOFF_PAGE = "handoff_page", _("Hand-off pages")
        MESSAGE = "message", _("New messages")
        ACTION_ITEM = "action_item", _("Action items given to me")
        MEETING = "meeting", _("Workgroup meetings")
        SERVICE_REFERRAL = "service_referral", _("Service referrals")
        ACCOUNT = "account", _("Changes to how I sign in")
        LEGAL_NOTICE = "legal_notice", _("Legal notices waiting for confirmation")
        # Issue #17, item 2: every hand-over told to both sides.
        HANDOFF_UPDATE = "handoff_update", _("Changes to hand-offs I take part in")
        REFERRAL = "referral", _("LEAD referrals that need me")
        REFERRAL_UPDATE = "referral_update", _("Decisions on LEAD referrals I made")
        SERVICE_REFERRAL_UPDATE = (
            "service_referral_update",
            _("Changes to service referrals I sent or answer"),
        )
        LEGAL_UPDATE = "legal_update", _("Changes to legal notices")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    subject = models.CharField(max_length=200)  # a fixed sentence per kind: never participant content
    url = models.CharField(max_length=300, blank=True)  # a path inside Leadline
    urgent = models.BooleanField(default=False)  # hand-off pages: no quiet hours
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The work it tells of, "<subject_type>:<id>" (the key an inbox item carries: core.inbox): when that work
    # is done, ``services.work_done`` marks every notification about it done (issue #17, item 2).
    work_key = models.CharField(max_length=80, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(
                fields=["work_key"], condition=models.Q(done_at__isnull=True), name="notification_work_open"
            ),
        ]

    def __str__(self) -> str:
        return f"notification #{self.pk}"


class Delivery(models.Model):
    """One email or SMS to send: a notification's, or (no notification) a message to an address outside
    Leadline's users — a calling officer's phone, a participant's court reminder, an organisation's email —
    whose text its caller writes under that caller's content rules (decisions 0008, 0018, 0021, 0031).
    Either way it is sent by the task worker, never inside a request, and retried."""

    class Kind(models.TextChoices):  # of a message to an address (a notification's kind is its own)
        OFFICER_STATUS = "officer_status", _("Hand-off status to a calling officer")
        COURT_REMINDER = "court_reminder", _("Court-date reminders")
        LEGAL_NOTICE = "legal_notice", _("Legal notice alerts")
        ANSWER_LINK = "answer_link", _("Answer links to organisations")
        ORGANISATION_REMINDER = "organisation_reminder", _("Reminders to organisations")
        PASSWORD_LINK = "password_link", _("Password links after an approved reset")
        ACCOUNT_EMAIL_CHANGED = "email_changed", _("Email-address changes, told to the old address")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Given up")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", null=True, blank=True
    )
    kind = models.CharField(max_length=24, choices=Kind.choices, blank=True)  # without a notification
    subject = models.CharField(max_length=200, blank=True)  # an email's subject, without a notification
    created_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254)  # the address or number it goes to
    # What is sent: a notice to sign in (or a hand-off page), never content; a message to an address is
    # blanked once sent (its words are not kept beyond their delivery).
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-next_attempt_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False) | ~models.Q(kind=""),
                name="delivery_has_notification_or_kind",
            )
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk}"


class Preference(models.Model):
    """How a person wants to be told, beyond the app (which always holds every notification)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    by_email = models.BooleanField(_("by email"), default=True)
    by_sms = models.BooleanField(_("by SMS"), default=False)
    # Kinds told in the app only (never by email or SMS); hand-off pages cannot be muted.
    muted_kinds = models.JSONField(default=list, blank=True)
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

"""Secure threads about one participant (issue #8, item 3; decision 0025).

A thread is about one participant, has a subject and members. Messages are append-only: no service edits or
deletes one (a correction is a new message). Who may be a member, and who may read a thread now, is decided
by ``messaging.policy`` on every read and every post — never stored here as a right.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Thread(models.Model):
    # The participant it is about. A merged duplicate's threads are read as its survivor's (policy.survivor).
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="message_threads"
    )
    subject = models.CharField(_("subject"), max_length=200)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    # Kept by messaging.services.message_post so the list sorts and marks unread without reading messages.
    last_message_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [models.Index(fields=["participant", "last_message_at"])]
        verbose_name = _("message thread")

    def __str__(self) -> str:
        return f"thread #{self.pk}"  # never the subject: it is about a person, and __str__ reaches logs


class ThreadMember(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="message_threads"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    joined_at = models.DateTimeField()
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_membership_per_thread")]

    def __str__(self) -> str:
        return f"member #{self.pk} of thread #{self.thread_id}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    posted_at = models.DateTimeField(db_index=True)
    # A form carries a one-time key; a second submit of the same form finds the first message.
    idempotency_key = models.CharField(max_length=64)
    # The members outside the program (prosecutor, defender, provider) who could read the thread when this
    # was posted, under a consent in force then. Only they, of those outside the program, ever see it: a
    # message written while someone could not read the thread is never shown to them later (decision 0025).
    outside_readers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["posted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "idempotency_key"], name="message_once_per_submit")
        ]
        verbose_name = _("message")

    def __str__(self) -> str:
        return f"message #{self.pk}"

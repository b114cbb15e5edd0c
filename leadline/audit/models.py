"""The audit trail (CONVENTIONS habit 6, PRODUCT.md §2 "every read and write ... is audited").

AuditEvent is append-only at the database level: migration 0002 installs triggers that refuse UPDATE
and DELETE on SQLite and PostgreSQL (and TRUNCATE on PostgreSQL). It holds no foreign keys, so that
removing a user or purging a sealed record can never cascade into it; actors and subjects are kept as
ids and snapshots. It never holds participant content: services pass field names, and the values of
sensitive fields are masked before they reach ``changes`` (see services.mask_changes).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        LIST = "list", _("listed")
        SEARCH = "search", _("searched")
        EXPORT = "export", _("exported")
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("failed sign-in")
        LOGOUT = "logout", _("signed out")
        SESSION_ENDED = "session_ended", _("session ended")
        MFA = "mfa", _("two-factor")
        BREAK_GLASS = "break_glass", _("break-glass opened")
        DENIED = "denied", _("denied")

    occurred_at = models.DateTimeField(_("time (UTC)"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    actor_agency_id = models.BigIntegerField(null=True, blank=True)
    actor_agency = models.CharField(_("agency"), max_length=200, blank=True)
    law_enforcement = models.BooleanField(_("law-enforcement access"), default=False, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    subject_type = models.CharField(_("subject type"), max_length=60, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    participant_id = models.BigIntegerField(_("participant id"), null=True, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    changes = models.JSONField(_("before / after"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    via = models.CharField(_("via"), max_length=10, blank=True)  # web / api / task / cli
    break_glass_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["participant_id", "occurred_at"]),
            models.Index(fields=["actor_id", "occurred_at"]),
            models.Index(fields=["law_enforcement", "occurred_at"]),
        ]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.subject_type}"

"""Agencies, users and their roles, API tokens, and the sessions a user holds."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadline.accounts.roles import ROLE_LABELS, Role


class Agency(models.Model):
    class Kind(models.TextChoices):
        POLICE_DEPARTMENT = "police_department", _("Police department")
        PRECINCT = "precinct", _("Police precinct / section")
        PROSECUTOR = "prosecutor", _("Prosecutor's office")
        DEFENDER = "defender", _("Defender's office")
        CASE_MANAGEMENT = "case_management", _("Case-management agency")
        SERVICE_PROVIDER = "service_provider", _("Service-provider organisation")
        EVALUATOR = "evaluator", _("Evaluator")
        PROGRAM = "program", _("Program administration")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("A precinct belongs to its police department."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff account. Exactly one role; capabilities come from the role only.

    ``is_superuser`` grants nothing in Leadline's own pages and API: policy.py reads the role alone
    (no silent superuser bypass). ``is_staff`` (Django admin) is kept in step with the site
    administrator role by services.user_set_role.
    """

    role = models.CharField(
        _("role"), max_length=32, choices=[(r.value, ROLE_LABELS[r]) for r in Role], blank=True
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    precinct = models.ForeignKey(
        Agency,
        verbose_name=_("precinct"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="precinct_users",
        limit_choices_to={"kind": Agency.Kind.PRECINCT},
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=[("en", "English"), ("es", "Español")], default="en"
    )
    # Community referrals are decided by a designated approver (PRODUCT.md §1), not by every holder of
    # the capability: the site administrator designates them here.
    is_community_approver = models.BooleanField(
        _("designated approver for community referrals"),
        default=False,
        help_text=_("Decides partner organisations' referrals. The role must allow approving."),
    )
    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        help_text=_("Seeded by the embedded demo. May skip MFA only while DEBUG is on."),
    )
    # When an administrator last changed the email address (not at creation): a password link is not sent
    # to an address changed recently (decision 0034), and the approver sees when it changed.
    email_changed_at = models.DateTimeField(_("email last changed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def role_enum(self) -> Role | None:
        return Role(self.role) if self.role else None

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[Role(self.role)]) if self.role else str(_("No role assigned"))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class APIToken(models.Model):
    """A bearer token for the API, limited to a subset of its owner's capabilities.

    Only the SHA-256 of the secret is stored; the secret is shown once, at creation.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("capabilities"), default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Made in a session signed in after an administrator's reset: every read over it is marked, for as
    # long as it lives.
    after_credential_reset = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class UserSession(models.Model):
    """The sessions a user holds, so that disabling a user can end every one of them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"session of {self.user_id}"


class CredentialReset(models.Model):
    """Resetting another person's password or two-factor sign-in (issue #15, item 15): one administrator
    proposes it with a written reason, a different administrator approves it. An approved MFA reset removes
    the holder's authenticators (they enrol again at their next sign-in); an approved password reset sends
    the holder a one-time link that only they complete, so no administrator ever knows the password. The
    holder is told either way, and the sessions signed in after it are marked on the audit trail."""

    class Kind(models.TextChoices):
        MFA = "mfa", _("Two-factor sign-in (lost phone): they enrol again at their next sign-in")
        PASSWORD = "password", _("Password: they set a new one through a link sent to their email")
        ROLE = "role", _("Role that reads participants: it takes effect once approved")

    user = models.ForeignKey(
        User, verbose_name=_("whose sign-in"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("what to reset"), max_length=16, choices=Kind.choices)
    # Kind "role": the role proposed (a role that reads participant data, or site administrator).
    role = models.CharField(
        _("role"), max_length=32, choices=[(r.value, ROLE_LABELS[r]) for r in Role], blank=True
    )
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    # The password link: only its hash is kept; it works once, until link_expires_at.
    token_hash = models.CharField(max_length=64, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(
        null=True, blank=True
    )  # MFA: on approval; password: set by the holder

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("proposed_by")), name="reset_approved_by_another"
            ),
            models.CheckConstraint(condition=~models.Q(user=models.F("proposed_by")), name="reset_not_own"),
        ]
        verbose_name = _("sign-in reset")

    def __str__(self) -> str:
        return f"{self.kind} reset #{self.pk} for {self.user_id}"

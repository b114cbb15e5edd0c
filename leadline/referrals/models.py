"""Referrals through the three doors, with the eligibility decision that was made and why.

Every criterion's result is a row (EligibilityCheck), tied to the policy version in force: the
ineligibility reasons are the raw material of the equity analysis (PRODUCT.md §1, §4 rule 6).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Referral(models.Model):
    class Door(models.TextChoices):
        ARREST_DIVERSION = "arrest_diversion", _("Arrest diversion")
        SOCIAL_CONTACT = "social_contact", _("Social-contact referral")
        COMMUNITY = "community", _("Community referral")

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Not eligible")
        WAITLISTED = "waitlisted", _("Waiting for capacity")
        DECLINED = "declined", _("Person declined")
        PENDING_APPROVAL = "pending_approval", _("Waiting for the approver")
        NOT_APPROVED = "not_approved", _("Not approved")

    class AggrievedParty(models.TextChoices):
        NONE_PRESENT = "none_present", _("No aggrieved party present")
        AGREES = "agrees", _("Aggrieved party present and agrees")
        DECLINES = "declines", _("Aggrieved party present and declines")

    class Verification(models.TextChoices):
        RECORDS = "records", _("Police records")
        OBSERVED = "observed", _("Observed by the officer")
        RELIABLE_REPORT = "reliable_report", _("Reliable report")

    door = models.CharField(_("door"), max_length=20, choices=Door.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    policy_version = models.ForeignKey("sites.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, related_name="+")
    precinct = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The person, as given at the scene.
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    stated_age = models.PositiveSmallIntegerField(_("age (if no date of birth)"), null=True, blank=True)
    # What happened.
    occurred_at = models.DateTimeField(_("when"))
    offence = models.ForeignKey(
        "sites.EligibleOffence",
        verbose_name=_("offence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    offence_other = models.CharField(_("other offence (statute)"), max_length=60, blank=True)
    drug_quantity_grams = models.DecimalField(
        _("drug quantity (grams)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    exclusions_flagged = models.JSONField(_("exclusions that apply"), default=list, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Social contact: how the risk of arrest was verified.
    verification = models.CharField(_("verified by"), max_length=20, choices=Verification.choices, blank=True)
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    inside_catchment = models.BooleanField(_("inside the catchment area"), null=True, blank=True)
    # Consent at the scene.
    person_agrees = models.BooleanField(_("the person agrees to LEAD"))
    aggrieved_party = models.CharField(_("aggrieved party"), max_length=16, choices=AggrievedParty.choices)
    consent_witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    consent_recorded_at = models.DateTimeField(null=True)
    # Override of an ineligible decision: a capability and a written reason.
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = models.TextField(blank=True)
    overridden_at = models.DateTimeField(null=True, blank=True)
    # Community door: what the partner saw, and the designated approver's decision.
    concern = models.CharField(_("why you are referring"), max_length=300, blank=True)
    approval_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_reason = models.TextField(blank=True)
    approval_at = models.DateTimeField(null=True, blank=True)
    # The participant this referral became (created or matched at the hand-off).
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    idempotency_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referred_by", "idempotency_key"], name="referral_once_per_submit"
            )
        ]
        indexes = [
            models.Index(fields=["precinct", "created_at"]),
            models.Index(fields=["referred_by", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"referral #{self.pk}"


class EligibilityCheck(models.Model):
    """One criterion's result for one referral, under the policy version that decided it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="checks")
    criterion = models.CharField(max_length=60)
    passed = models.BooleanField()
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["criterion", "passed"])]

    def __str__(self) -> str:
        return f"{self.criterion}: {'pass' if self.passed else 'fail'}"


class OnCallShift(models.Model):
    """Who answers the LEAD line when: a case manager, a backup, and a supervisor to escalate to."""

    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("on call"), on_delete=models.PROTECT, related_name="+"
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("backup"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"on-call shift #{self.pk}"


class Handoff(models.Model):
    """One call to the LEAD line: the warm hand-off at the scene, with every timestamp."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ARRIVED = "arrived", _("Case manager arrived")
        HANDED_OFF = "handed_off", _("Handed off")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        APP = "app", _("In the app")
        SMS = "sms", _("Text message")
        VOICE = "voice", _("Phone call")

    # Null while a request raised by phone waits for the officer's referral (linked from the app). A
    # referral has at most one live (not cancelled) hand-off; after a cancel it may be called again.
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="handoffs"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.APP)
    # What the officer texted to the LEAD number (place, offence), kept for the case manager.
    message = models.CharField(_("message"), max_length=300, blank=True)
    # The phone provider's id for the inbound message or call: a retried delivery makes one request.
    provider_message_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    callback_phone = models.CharField(_("call-back number"), max_length=40)
    shift = models.ForeignKey(OnCallShift, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    escalation_level = models.PositiveSmallIntegerField(default=0)  # 0 on call, 1 backup, 2 supervisor
    last_paged_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    eta_minutes = models.PositiveSmallIntegerField(_("minutes to arrive"), null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    officer_cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "last_paged_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(referral__isnull=False) & ~models.Q(status="cancelled"),
                name="one_live_handoff_per_referral",
            )
        ]

    def __str__(self) -> str:
        return f"hand-off #{self.pk}"

    @property
    def minutes_to_handoff(self) -> float | None:
        """Requested → case manager arrived, in minutes: the figure measured against the 30-minute target."""
        if self.arrived_at is None:
            return None
        return round((self.arrived_at - self.requested_at).total_seconds() / 60, 1)


class HandoffPage(models.Model):
    """A page sent to someone about a hand-off: a notification (leadline.notifications) — in the app
    always, by SMS whenever they have a phone, at any hour, retried like every other delivery."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="pages")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"page #{self.pk}"

    @property
    def sms_status(self) -> str:
        """Reads "sent", "failed" (given up, or failed once and retried), "no phone", or "" (waiting)."""
        if self.notification is None:
            return ""
        sms = [d for d in self.notification.deliveries.all() if d.channel == "sms"]
        if not sms:
            return "no phone"
        if sms[0].status in ("sent", "failed"):
            return sms[0].status
        return "failed" if sms[0].attempts else ""

"""The service directory (issue #7), in the shape of Open Referral HSDS 3.0: organisations, their services
and locations, services at locations, opening hours and taxonomy terms.

Ids are UUIDs, as HSDS wants, so an exported record keeps its id when another system imports it and a
re-import updates instead of duplicating. ``last_verified_at`` is HSDS's ``assured_date``: when someone
who knows the service confirmed the record; a record not verified within the site's
``directory_stale_days`` is stale and flagged to its owner (the organisation's provider staff).
Capacity (open places) and the waitlist are Leadline's additions; the HSDS export carries them as
``wait_time`` text and as attributes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TaxonomyTerm(models.Model):
    """A kind of service: housing, substance-use treatment (with medication for opioid use disorder as a
    narrower term), ID documents... (HSDS taxonomy_term)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("broader term"),
    )
    taxonomy = models.CharField(_("taxonomy"), max_length=60, default="leadline")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("other name"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The provider agency whose staff keep this organisation's listings current and answer its referrals.
    agency = models.OneToOneField(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True,
        related_name="directory_organization", verbose_name=_("provider agency in Leadline"),
    )  # fmt: skip
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    address_1 = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state_province = models.CharField(_("state"), max_length=60, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="US")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    transportation = models.CharField(_("how to get there"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    class Status(models.TextChoices):  # HSDS 3.0 service.status
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("other name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.ACTIVE)
    eligibility_description = models.TextField(_("who is eligible"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    application_process = models.TextField(_("how to apply"), blank=True)
    fees_description = models.CharField(_("fees"), max_length=300, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)  # ISO 639-1 codes: ["en", "es"]
    terms = models.ManyToManyField(
        TaxonomyTerm, related_name="services", blank=True, verbose_name=_("kinds of service")
    )
    capacity = models.PositiveIntegerField(_("open places"), null=True, blank=True)
    waitlist = models.BooleanField(_("has a waitlist"), default=False)
    wait_time = models.CharField(_("usual wait"), max_length=120, blank=True)
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stale_notified_at = models.DateTimeField(null=True, blank=True)  # the last reminder to its owner
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "last_verified_at"])]

    def __str__(self) -> str:
        return self.name


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_at_locations")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="one_service_at_a_location")
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class Schedule(models.Model):
    """Opening hours, weekly (HSDS schedule: freq WEEKLY, byday, opens_at, closes_at)."""

    DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    byday = models.CharField(_("days"), max_length=20)  # "MO,TU,WE"
    opens_at = models.TimeField(_("opens"), null=True, blank=True)
    closes_at = models.TimeField(_("closes"), null=True, blank=True)
    description = models.CharField(_("notes"), max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at}-{self.closes_at}"


class ServiceReferral(models.Model):
    """A participant referred to a service (issue #7, closed loop). Its status follows the FHIR Task the
    Gravity SDOH Clinical Care guide uses for a referral; it never vanishes: every change is a
    ServiceReferralEvent, and an unanswered one is chased (services.referral_reminders_send)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Sent, waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        IN_PROGRESS = "in-progress", _("In progress")
        ON_HOLD = "on-hold", _("On hold")
        FAILED = "failed", _("Did not work out")
        COMPLETED = "completed", _("Completed")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="service_referrals"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="referrals")
    goal = models.ForeignKey(
        "cases.PlanGoal", on_delete=models.SET_NULL, null=True, blank=True, related_name="service_referrals"
    )
    reason = models.CharField(_("what for, for the provider"), max_length=500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # When the case manager who sent it last opened it after the provider's latest move: emptied by each
    # move of the provider's, so "answered, not seen yet" is in the sender's inbox until they read it.
    answer_seen_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    # An organisation nobody signs in for answers by a signed link in an email (referrals.answer_link);
    # a new nonce ends every link sent before it.
    link_nonce = models.CharField(max_length=32, blank=True)
    link_email = models.EmailField(blank=True)  # where the links went: a new address ends them
    link_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"], name="service_referral_once_per_submit"
            )
        ]

    def __str__(self) -> str:
        return f"service referral #{self.pk}"

    @property
    def reference(self) -> str:
        return f"SR-{self.pk:05d}"


class ServiceReferralEvent(models.Model):
    referral = models.ForeignKey(ServiceReferral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=ServiceReferral.Status.choices)
    reason = models.CharField(max_length=500, blank=True)
    # Nobody signed in when the provider answered by the emailed link: ``by`` is empty, ``by_link`` set.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    by_link = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral} {self.status}"

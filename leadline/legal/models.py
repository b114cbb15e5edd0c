"""Legal matters (issue #5): the charge an arrest diversion holds, its clock, the notices that resolve
it, and the sealing that follows a confirmed clearance.

A matter is opened with the arrest diversion it comes from. Its rule is copied from the site when it is
opened (the mode and the window), so a later change to the site's configuration never moves a deadline
someone was already given. ``deadline_at`` is stored (computed by legal.clock) so the background task
finds every matter that is due with one indexed query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadline.sites.models import Site


class LegalMatter(models.Model):
    Mode = Site.LegalMode  # the site's rule, copied onto the matter when it opens

    class State(models.TextChoices):
        HELD = "held", _("Held: the clock is running")
        CLEARANCE_SENT = "clearance_sent", _("Clearance notice sent, awaiting confirmation")
        CLEARED = "cleared", _("Cleared and sealed")
        RETURN_SENT = "return_sent", _("Return notice sent, awaiting confirmation")
        RETURNED = "returned", _("Returned to ordinary processing")

    # Emptied by the retention purge, which leaves ``person_key`` (a pseudonym) for the evaluation.
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, null=True, related_name="legal_matters"
    )
    person_key = models.CharField(max_length=64, blank=True)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="legal_matter"
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("arresting agency"),
    )  # fmt: skip
    incident_at = models.DateTimeField(_("arrest or incident"))
    mode = models.CharField(_("rule"), max_length=40, choices=Mode.choices)
    window_days = models.PositiveIntegerField(_("window (days)"))
    contacts_needed = models.PositiveIntegerField(_("substantive contacts needed"), default=0)
    extension_days = models.PositiveIntegerField(_("days added by extensions"), default=0)
    deadline_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.HELD, db_index=True)
    # The defender who represents the participant on this matter (a defender sees their own clients).
    defender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("defender"),
    )  # fmt: skip
    resolved_at = models.DateTimeField(null=True, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    purge_counts = models.JSONField(default=dict, blank=True)  # what the purge removed, counted, not shown
    cycle = models.PositiveIntegerField(default=1)  # one more for each extension
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("legal matter")
        indexes = [models.Index(fields=["state", "deadline_at"])]

    def __str__(self) -> str:
        return f"Legal matter #{self.pk}"

    @property
    def days(self) -> int:
        return self.window_days + self.extension_days


class Charge(models.Model):
    class Degree(models.TextChoices):
        VIOLATION = "violation", _("Violation")
        MISDEMEANOR_B = "misdemeanor_b", _("Class B misdemeanor")
        MISDEMEANOR_A = "misdemeanor_a", _("Class A misdemeanor")
        FELONY = "felony", _("Felony")
        UNSPECIFIED = "", _("Not stated")

    matter = models.ForeignKey(LegalMatter, on_delete=models.CASCADE, related_name="charges")
    statute = models.CharField(_("statute"), max_length=60)
    degree = models.CharField(_("degree"), max_length=16, choices=Degree.choices, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("charge")

    def __str__(self) -> str:
        return self.statute


class Extension(models.Model):
    """The prosecutor gave the participant more time, with a reason (PRODUCT §4 rule 6: who, when, why)."""

    matter = models.ForeignKey(LegalMatter, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveIntegerField(_("days added"))
    reason = models.CharField(_("reason"), max_length=500)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["granted_at"]

    def __str__(self) -> str:
        return f"+{self.days} days"


class Notice(models.Model):
    """A notice generated at the deadline and sent to the prosecutor or court, tracked until confirmed."""

    class Kind(models.TextChoices):
        DO_NOT_FILE = "do_not_file", _("Do-not-file notice")
        EXPUNGEMENT = "expungement", _("Expungement request")
        RETURN = "return", _("Return to ordinary processing")

    matter = models.ForeignKey(LegalMatter, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # One notice per matter and cycle: an extension starts a new cycle, so running the task twice, or a
    # late run after downtime, can never make a second notice for the same deadline.
    cycle = models.PositiveIntegerField()
    reference = models.CharField(max_length=40, unique=True)
    pdf = models.BinaryField(null=True, blank=True)  # emptied by the retention purge
    sha256 = models.CharField(max_length=64)
    sent_to = models.CharField(max_length=300)
    generated_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)  # a return notice overtaken by an extension

    class Meta:
        constraints = [models.UniqueConstraint(fields=["matter", "cycle"], name="one_notice_per_cycle")]
        ordering = ["generated_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_clearance(self) -> bool:
        return self.kind in (self.Kind.DO_NOT_FILE, self.Kind.EXPUNGEMENT)


class Source(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")


class CourtCase(models.Model):
    """A participant's other case (not the diverted one), for the liaison prosecutor to coordinate."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="court_cases"
    )
    docket = models.CharField(_("docket number"), max_length=60)
    court = models.CharField(_("court"), max_length=200)
    description = models.CharField(_("charges"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=8, choices=Source.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("other case")
        constraints = [models.UniqueConstraint(fields=["court", "docket"], name="one_case_per_docket")]

    def __str__(self) -> str:
        return self.docket


class CourtDate(models.Model):
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="court_dates"
    )
    case = models.ForeignKey(
        CourtCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="dates"
    )
    at = models.DateTimeField(_("date and time"), db_index=True)
    court = models.CharField(_("court"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)  # the SMS reminder went (once)

    class Meta:
        verbose_name = _("court date")
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "at", "court"], name="one_court_date_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.court} {self.at:%Y-%m-%d %H:%M}"


class Warrant(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLEARED = "cleared", _("Cleared")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="warrants"
    )
    reference = models.CharField(_("warrant number"), max_length=60)
    court = models.CharField(_("court"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=8, choices=Source.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("warrant")
        constraints = [
            models.UniqueConstraint(fields=["court", "reference"], name="one_warrant_per_reference")
        ]

    def __str__(self) -> str:
        return self.reference


class NewCharge(models.Model):
    """A new charge against a participant, flagged so the prosecutor and the case manager coordinate
    instead of the new case undoing the diversion; the prosecutor records a decision with a reason."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        HOLD = "hold", _("Hold")
        DISMISS = "dismiss", _("Dismiss")
        FILE = "file", _("File")
        RECOMMEND = "recommend", _("Recommend a disposition")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="new_charges"
    )
    statute = models.CharField(_("statute"), max_length=60)
    degree = models.CharField(_("degree"), max_length=16, choices=Charge.Degree.choices, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    occurred_on = models.DateField(_("date of the incident"))
    source = models.CharField(max_length=8, choices=Source.choices)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField()
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("new charge")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "statute", "occurred_on"], name="one_new_charge_per_incident"
            )
        ]

    def __str__(self) -> str:
        return self.statute

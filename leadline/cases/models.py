"""Case management records: case notes with their sensitivity, and contacts (outreach attempts included)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadline.accounts.roles import DataClass


class CaseNote(models.Model):
    class Sensitivity(models.TextChoices):
        GENERAL = "general", _("General")
        HEALTH = "health", _("Health")
        SUBSTANCE_USE = "substance_use", _("Substance-use treatment")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="case_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    sensitivity = models.CharField(
        _("sensitivity"), max_length=16, choices=Sensitivity.choices, default=Sensitivity.GENERAL
    )
    created_at = models.DateTimeField()
    # A form carries a one-time key; a second submit of the same form finds the first note.
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "idempotency_key"], name="casenote_once_per_submit")
        ]
        verbose_name = _("case note")

    def __str__(self) -> str:
        return f"case note #{self.pk}"


# The data class (and so the capability) each sensitivity needs. Health and substance-use notes
# need their own capability on top of case_notes.view (42 CFR Part 2: need to know).
SENSITIVITY_DATA_CLASS = {
    CaseNote.Sensitivity.GENERAL: DataClass.CASE_NOTES,
    CaseNote.Sensitivity.HEALTH: DataClass.HEALTH,
    CaseNote.Sensitivity.SUBSTANCE_USE: DataClass.SUBSTANCE_USE,
}


class Contact(models.Model):
    """One contact with a participant, or one attempt to reach them (outreach): when, how, whether it
    reached them and was substantive, where (visible only inside the program), and a short summary
    (case content: only those who may read case notes see it)."""

    class Kind(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")
        VIDEO = "video", _("Video call")
        COLLATERAL = "collateral", _("With someone else about them")
        OUTREACH = "outreach", _("Outreach: looked for them")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="contacts"
    )
    kind = models.CharField(_("kind of contact"), max_length=16, choices=Kind.choices)
    reached = models.BooleanField(_("reached them"))
    substantive = models.BooleanField(_("substantive"), default=False)
    occurred_at = models.DateTimeField(_("when"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["participant", "-occurred_at"]),
            # The operations dashboard and the contacts export read a period of everyone's contacts: a range
            # on the time, and the index alone answers the dashboard's count by week, kind and reached
            # (decision 0041, "Speed").
            models.Index(fields=["occurred_at", "participant", "kind", "reached"], name="contact_period_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["logged_by", "idempotency_key"], name="contact_once_per_submit")
        ]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return f"contact #{self.pk}"


class MonthlyStatus(models.Model):
    """One month's housing, employment and income/benefits for a participant, as the Seattle LEAD
    evaluation recorded them; the evidence engine reads these (within-person monthly odds)."""

    class Housing(models.TextChoices):
        PERMANENT = "permanent", _("Permanent housing")
        SHELTERED = "sheltered", _("Sheltered (shelter, transitional)")
        UNSHELTERED = "unsheltered", _("Unsheltered")
        UNKNOWN = "unknown", _("Not known")

    class YesNo(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNKNOWN = "unknown", _("Not known")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="monthly_statuses"
    )
    month = models.DateField(_("month"))  # the first day of the month
    housing = models.CharField(_("housing"), max_length=16, choices=Housing.choices)
    employed = models.CharField(_("employed"), max_length=8, choices=YesNo.choices)
    income_or_benefits = models.CharField(_("any income or benefits"), max_length=8, choices=YesNo.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["participant", "month"], name="one_status_per_month")]
        verbose_name = _("monthly status")

    def __str__(self) -> str:
        return f"monthly status #{self.pk}"


class Domain(models.TextChoices):
    """The intake's life domains (issue #4), in the order the conversation usually takes."""

    HOUSING = "housing", _("Housing")
    INCOME = "income", _("Income and benefits")
    EMPLOYMENT = "employment", _("Employment and education")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    LEGAL = "legal", _("Legal")
    ID_DOCUMENTS = "id_documents", _("ID documents")
    FAMILY = "family", _("Family and childcare")
    SAFETY = "safety", _("Safety")


# Which sensitivity each domain's answers carry: health and substance use need their own capability
# (the same rule as case notes; substance use is 42 CFR Part 2 information).
DOMAIN_SENSITIVITY = {
    Domain.PHYSICAL_HEALTH: CaseNote.Sensitivity.HEALTH,
    Domain.MENTAL_HEALTH: CaseNote.Sensitivity.HEALTH,
    Domain.SUBSTANCE_USE: CaseNote.Sensitivity.SUBSTANCE_USE,
}


def domain_sensitivity(domain: str) -> str:
    return DOMAIN_SENSITIVITY.get(Domain(domain), CaseNote.Sensitivity.GENERAL)


class Intake(models.Model):
    """The intake assessment: where the person stands in each domain, acute needs first. Its completion
    date is what the legal clock reads (no-file on intake, issue #5)."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="intakes"
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One intake in progress at a time; a re-engaged person may have a new one later.
            models.UniqueConstraint(
                fields=["participant"], condition=models.Q(completed_at__isnull=True), name="one_open_intake"
            )
        ]
        verbose_name = _("intake assessment")

    def __str__(self) -> str:
        return f"intake #{self.pk}"


class IntakeAnswer(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="answers")
    domain = models.CharField(max_length=24, choices=Domain.choices)
    acute = models.BooleanField(_("needs help now"), default=False)
    situation = models.TextField(_("where things stand"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-acute", "id"]  # acute needs first
        constraints = [models.UniqueConstraint(fields=["intake", "domain"], name="one_answer_per_domain")]

    def __str__(self) -> str:
        return f"intake answer #{self.pk}"


class Progress(models.IntegerChoices):
    """A harm-reduction scale: any step in the direction the participant chose counts. No level means
    abstinence, and nothing anywhere requires it."""

    NOT_STARTED = 0, _("Not started")
    THINKING = 1, _("Thinking about it")
    FIRST_STEPS = 2, _("First steps taken")
    PROGRESSING = 3, _("Making progress")
    MOSTLY = 4, _("Mostly there")
    REACHED = 5, _("Reached, in their own terms")


class PlanGoal(models.Model):
    """A goal of the individual intervention plan, in the participant's own words, in one domain."""

    class State(models.TextChoices):
        OPEN = "open", _("Working on it")
        REACHED = "reached", _("Reached")
        SET_ASIDE = "set_aside", _("Set aside by the participant")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="goals"
    )
    domain = models.CharField(_("domain"), max_length=24, choices=Domain.choices)
    text = models.CharField(_("the goal, in their words"), max_length=300)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    progress = models.PositiveSmallIntegerField(choices=Progress.choices, default=Progress.NOT_STARTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["state", "domain", "id"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "idempotency_key"], name="goal_once_per_submit")
        ]

    def __str__(self) -> str:
        return f"goal #{self.pk}"


class GoalProgress(models.Model):
    """Progress over time: each step on the scale, with who recorded it and a line about it."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="history")
    level = models.PositiveSmallIntegerField(choices=Progress.choices)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"goal progress #{self.pk}"


class PlanItem(models.Model):
    """A step towards a goal: what, who owns it, by when."""

    class Owner(models.TextChoices):
        PARTICIPANT = "participant", _("The participant")
        CASE_MANAGER = "case_manager", _("The case manager")
        PROVIDER = "provider", _("A service provider")
        TOGETHER = "together", _("Together")

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="items")
    action = models.CharField(_("step"), max_length=300)
    owner = models.CharField(_("who"), max_length=16, choices=Owner.choices)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        indexes = [models.Index(fields=["due_on", "done_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], name="plan_item_once_per_submit"
            )
        ]

    def __str__(self) -> str:
        return f"plan item #{self.pk}"

"""Site configuration as data (PRODUCT.md §6): bringing LEAD to a new county is configuration, not code.

One deployment runs one site. Policy versions carry effective dates so every eligibility decision can
name the version that made it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The site's clearance notice (issue #5): what a do-not-file notice or an expungement request says, with
# the matter's facts filled in. Never treatment information: the notice says only that the rule was met.
NOTICE_PLACEHOLDERS = (
    "participant",
    "date_of_birth",
    "incident_date",
    "charges",
    "rule",
    "last_day",
    "reference",
)
PLACEHOLDERS_HELP = ", ".join(f"{{{name}}}" for name in NOTICE_PLACEHOLDERS)
DEFAULT_CLEARANCE_TEXT = (
    "{participant} (born {date_of_birth}) was diverted to LEAD after the incident of {incident_date} "
    "({charges}). The program confirms that the diversion requirement was met by {last_day} under the "
    "rule: {rule}. Under the LEAD agreement the charge is to be resolved as requested above and the record "
    "sealed. Reference {reference}."
)


class Site(models.Model):
    class LegalMode(models.TextChoices):
        EXPUNGE_AFTER_PARTICIPATION = "expunge_after_participation", _("Expunge after participation")
        NO_FILE_ON_INTAKE = "no_file_on_intake", _("No-file on intake")

    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    languages = models.JSONField(
        _("languages"), default=list, help_text=_('Language codes, e.g. ["en", "es"]')
    )
    legal_mode = models.CharField(_("legal-resolution mode"), max_length=40, choices=LegalMode.choices)
    expunge_after_days = models.PositiveIntegerField(
        _("days of participation before expungement"), default=30, validators=[MinValueValidator(1)]
    )
    no_file_window_days = models.PositiveIntegerField(
        _("intake window for no-file (days)"),
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(30)],
    )
    participation_contacts = models.PositiveIntegerField(
        _("substantive contacts that make participation"),
        default=1,
        help_text=_(
            "Expunge after participation: the participant has completed intake and had at least this many "
            "substantive contacts with the program before the window ends."
        ),
    )
    legal_warning_days = models.PositiveIntegerField(
        _("warn this many days before a legal deadline"), default=7, validators=[MaxValueValidator(30)]
    )
    sealed_retention_days = models.PositiveIntegerField(
        _("days a sealed matter's details are kept before they are purged"),
        default=90,
        validators=[MinValueValidator(1)],
    )
    directory_stale_days = models.PositiveIntegerField(
        _("a directory listing is stale when not verified for this many days"),
        default=180,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
    )
    notice_recipient = models.CharField(
        _("legal notices go to"),
        max_length=300,
        default="The liaison prosecutor",
        help_text=_("The prosecutor's office and court that receive clearance and return notices."),
    )
    clearance_notice_text = models.TextField(
        _("clearance notice text"),
        default=DEFAULT_CLEARANCE_TEXT,
        help_text=_("Placeholders: %(placeholders)s") % {"placeholders": PLACEHOLDERS_HELP},
    )
    caseload_soft_limit = models.PositiveIntegerField(_("caseload soft limit"), default=20)
    caseload_hard_limit = models.PositiveIntegerField(_("caseload hard limit"), default=25)
    small_cell_threshold = models.PositiveIntegerField(_("small-cell threshold"), default=10)
    is_demo = models.BooleanField(
        _("demo site"),
        default=False,
        editable=False,
        help_text=_(
            "Seeded by the embedded demo: its evidence is computed on synthetic data. Never in a file."
        ),
    )
    lead_line_phone = models.CharField(_("LEAD line phone"), max_length=40, blank=True)
    handoff_target_minutes = models.PositiveIntegerField(_("hand-off target (minutes)"), default=30)
    handoff_ack_minutes = models.PositiveIntegerField(
        _("minutes to acknowledge a page before escalating"), default=5, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("site")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.caseload_soft_limit > self.caseload_hard_limit:
            errors["caseload_soft_limit"] = _("The soft limit cannot be above the hard limit.")
        if self.no_file_window_days > 30:
            errors["no_file_window_days"] = _("The no-file window is never more than 30 days.")
        from zoneinfo import available_timezones

        if self.time_zone not in available_timezones():
            errors["time_zone"] = _("Unknown time zone.")
        from string import Formatter

        try:
            used = {name for _t, name, _f, _c in Formatter().parse(self.clearance_notice_text or "") if name}
        except ValueError:
            used = {"{"}
        if used - set(NOTICE_PLACEHOLDERS):
            errors["clearance_notice_text"] = _("Unknown placeholder: %(names)s. Use only %(allowed)s.") % {
                "names": ", ".join(sorted(used - set(NOTICE_PLACEHOLDERS))),
                "allowed": PLACEHOLDERS_HELP,
            }
        unknown = [code for code in self.languages or [] if code not in {"en", "es"}]
        if unknown:
            errors["languages"] = _("Unsupported language: %(codes)s") % {"codes": ", ".join(unknown)}
        if errors:
            raise ValidationError(errors)


class PolicyVersion(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="policy_versions")
    label = models.CharField(_("version"), max_length=40)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    minimum_age = models.PositiveIntegerField(_("minimum age"), default=18)
    drug_quantity_cap_grams = models.DecimalField(
        _("drug-quantity cap (grams)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    social_contact_lookback_months = models.PositiveIntegerField(
        _("social-contact lookback (months)"), default=24
    )
    aggrieved_party_agreement_required = models.BooleanField(
        _("the aggrieved party's agreement is required"),
        default=True,
        help_text=_(
            "When an aggrieved party is present and declines, the referral is not eligible (the reason is "
            "recorded like every other)."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [models.UniqueConstraint(fields=["site", "label"], name="policy_version_label_unique")]
        verbose_name = _("policy version")

    def __str__(self) -> str:
        return f"{self.label} (from {self.effective_from})"

    def clean(self) -> None:
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end date is before the start date.")})


class EligibleOffence(models.Model):
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="offences")
    statute = models.CharField(_("statute code"), max_length=60)
    description = models.CharField(_("description"), max_length=300)
    drug_quantity_cap_applies = models.BooleanField(_("drug-quantity cap applies"), default=False)

    class Meta:
        ordering = ["statute"]
        constraints = [models.UniqueConstraint(fields=["policy_version", "statute"], name="offence_unique")]
        verbose_name = _("eligible offence")

    def __str__(self) -> str:
        return f"{self.statute} {self.description}"


class Exclusion(models.Model):
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="exclusions")
    code = models.SlugField(_("code"), max_length=60)
    description = models.CharField(_("description"), max_length=300)
    lookback_years = models.PositiveIntegerField(
        _("within N years"), null=True, blank=True, help_text=_("For history-based exclusions.")
    )

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["policy_version", "code"], name="exclusion_unique")]
        verbose_name = _("exclusion")

    def __str__(self) -> str:
        return self.code

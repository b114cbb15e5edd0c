"""A participant's identity and program status.

Issue 4 grows this (aliases, photo, matching, merging, consents); the foundation holds what the
firewall, the audit trail and the matrix need to be proven against real records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

ENGAGED_STATUSES = ("engaged", "active")
# Who counts against a case manager's caseload limits: everyone not exited. A participant "in the wind"
# is still theirs to find (outreach), so inactive counts too (decision 0010).
CASELOAD_STATUSES = ("referred", "engaged", "active", "inactive")


class Participant(models.Model):
    class Status(models.TextChoices):
        # No "terminated for non-compliance" state, ever (PRODUCT.md §4 rule 4).
        REFERRED = "referred", _("Referred")
        ENGAGED = "engaged", _("Engaged")
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive (in the wind)")
        EXITED = "exited", _("Exited")

    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REFERRED)
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
    )
    # When the person first engaged (intake reached): the "engaged" a referring officer may be told of,
    # with the participant's opt-in. Kept when they later go inactive or exit.
    engaged_at = models.DateTimeField(null=True, blank=True)
    # The latest contact or attempt, and the latest that reached them: kept by cases.services.contact_log
    # so the outreach list and the day sort by them without reading the contacts table.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_reached_at = models.DateTimeField(null=True, blank=True)
    last_known_whereabouts = models.CharField(_("last known whereabouts"), max_length=300, blank=True)
    whereabouts_updated_at = models.DateTimeField(null=True, blank=True)
    # The participant's opt-in to court-date reminders by text (issue #5), and when it was last set.
    court_reminders = models.BooleanField(_("court-date reminders by text"), default=False)
    court_reminders_at = models.DateTimeField(null=True, blank=True)
    # Set when this record was a duplicate merged into another: every linked record moved there.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    # Optimistic locking: an edit names the version it started from (PRODUCT.md §4 rule 7).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["case_manager", "family_name"]),
            models.Index(fields=["status", "last_reached_at"]),
        ]
        verbose_name = _("participant")

    def __str__(self) -> str:
        return f"participant #{self.pk}"  # never a name: __str__ ends up in logs and admin messages

    @property
    def language_label(self) -> str:
        try:
            return str(get_language_info(self.language)["name_local"]).capitalize()
        except KeyError:
            return self.language

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}"


class ParticipantMatchKey(models.Model):
    """The blocking keys of a participant (matching.blocking_keys), so a lookup reads a few index ranges
    instead of scanning everyone. Kept by participants.services; rebuilt by `manage.py match_keys`."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="match_keys")
    key = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["key", "participant"])]
        constraints = [models.UniqueConstraint(fields=["participant", "key"], name="match_key_unique")]

    def __str__(self) -> str:
        return self.key


class ParticipantKeyCount(models.Model):
    """How many participants hold each blocking key. The lookup's scorer discounts common names and asks
    for up to a thousand keys' counts per lookup; reading them here is one primary-key read per key
    instead of counting thousands of ParticipantMatchKey rows (decision 0006). Kept in step by
    participants.services; rebuilt by `manage.py match_keys`."""

    key = models.CharField(max_length=80, primary_key=True)
    n = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.key


class ExitReason(models.TextChoices):
    """Why someone left LEAD. There is no "non-compliance" reason, ever (PRODUCT.md §4 rule 4)."""

    MOVED = "moved", _("Moved away")
    DECEASED = "deceased", _("Deceased")
    LONG_INCARCERATION = "long_incarceration", _("Long incarceration")
    CHOSE_TO_LEAVE = "chose_to_leave", _("Chose to leave")
    STABILISED = "stabilised", _("Stabilised")


# The moves a status may make. Inactive and exited people come back without a new referral.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "referred": ("engaged", "inactive", "exited"),
    "engaged": ("active", "inactive", "exited"),
    "active": ("inactive", "exited"),
    "inactive": ("active", "engaged", "exited"),
    "exited": ("referred", "engaged", "active"),
}


class StatusChange(models.Model):
    """One change of a participant's status: from, to, why, who, when, under which policy version."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Participant.Status.choices)
    to_status = models.CharField(max_length=16, choices=Participant.Status.choices)
    exit_reason = models.CharField(_("exit reason"), max_length=24, choices=ExitReason.choices, blank=True)
    note = models.CharField(_("why"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()
    policy_version = models.ForeignKey(
        "sites.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["participant", "changed_at"])]

    def __str__(self) -> str:
        return f"status change #{self.pk}"


class ParticipantAlias(models.Model):
    """Another name the person goes by: a street name, a former name, a spelling. The field lookup and
    duplicate detection match on these too."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("alias"), max_length=200)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["participant", "name"], name="alias_once")]

    def __str__(self) -> str:
        return f"alias #{self.pk}"


class ParticipantPhoto(models.Model):
    """An optional photo, so outreach can recognise the person. Re-encoded on upload (JPEG, at most
    640 px, no EXIF — a phone photo's metadata can hold where it was taken), kept in the database and
    served only through the participant's access check."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="photo")
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        verbose_name = _("photo")

    def __str__(self) -> str:
        return f"photo of participant #{self.participant_id}"


class BreakGlassGrant(models.Model):
    """Time-boxed access of a site administrator to one participant's content, with a written reason
    (participants.breakglass). Moved here from the audit app (issue #16): the table keeps its name and
    its rows, only Django's record of which app owns it changed (migrations audit 0004, participants 0011)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="break_glass_grants")
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "audit_breakglassgrant"
        ordering = ["-opened_at"]
        verbose_name = _("break-glass grant")

    def __str__(self) -> str:
        return f"break-glass #{self.pk}"

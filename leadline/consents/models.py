"""A participant's consents: what may leave the program, to whom, for what, until when.

This first kind is the opt-in PRODUCT.md §2 asks for before a referring officer hears the non-clinical
outcome of their referral ("engaged"). Issue #4 adds the 42 CFR Part 2 kinds (2.31 elements, the 2.35
criminal-justice kind, signatures) to this same model and its one decision point.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Consent(models.Model):
    class Kind(models.TextChoices):
        OFFICER_FEEDBACK = "officer_feedback", _("Tell the referring officer whether I engaged")

    class Method(models.TextChoices):
        VERBAL = "verbal", _("Said so to the case manager")
        WRITTEN = "written", _("In writing")

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="consents"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # The elements, as the participant agreed to them (the wording version below is what was read out).
    recipient = models.CharField(_("to whom"), max_length=200)
    information = models.CharField(_("what information"), max_length=300)
    purpose = models.CharField(_("purpose"), max_length=300)
    wording_version = models.CharField(max_length=20)
    method = models.CharField(_("how it was given"), max_length=16, choices=Method.choices)
    given_at = models.DateTimeField(_("given"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    policy_version = models.ForeignKey(
        "sites.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_note = models.CharField(_("revocation note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["participant", "kind", "revoked_at"])]
        constraints = [
            # At most one unrevoked consent of a kind per participant: a double submit records one.
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_open_consent_per_kind",
            )
        ]
        verbose_name = _("consent")

    def __str__(self) -> str:
        return f"consent #{self.pk}"

"""Case management records. The foundation holds case notes with their sensitivity."""

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

"""Each run of the evidence engine (issue #6), kept so the pages read a finished result and never wait for
a model to fit."""

from __future__ import annotations

from django.db import models


class EvaluationRun(models.Model):
    class Source(models.TextChoices):
        SITE = "site", "site"
        DEMO = "demo", "synthetic demo data"

    as_of = models.DateField()
    source = models.CharField(max_length=8, choices=Source.choices)
    results = models.JSONField()
    public_results = models.JSONField()  # small cells suppressed (PRODUCT §4 rule 8)
    seconds = models.FloatField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Evaluation as of {self.as_of}"

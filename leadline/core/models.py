"""The shell's own table: the task worker's heartbeat (issue #15, item 6; decision 0031).

Each `manage.py leadline_worker` process keeps one row, written every few seconds from a thread beside its
task loop, with the task it is running. `/healthz` reads the newest row to say whether a worker is alive,
and the recovery pass reads them as leases: a task stays RUNNING only while the worker that claimed it
still beats and still says it is running it. No participant data: ids, times and counts only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)  # the id the worker claims tasks with
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)  # the last beat
    task_id = models.CharField(max_length=64, blank=True)  # the task it is running, if any
    backing_off = models.BooleanField(default=False)  # its task loop is waiting out a database error

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"worker {self.worker_id[:8]}"


class ImportJob(models.Model):
    """One file imported in the background (issue #15 item 8; decision 0032): who started it, where it has
    got to, and what came of it. Any importer uses it (``kind`` is the owning app: "legal", "directory");
    core.imports runs it and its page shows it to the person who started it, nobody else.

    The uploaded file is kept here, not on one server's disk (the worker may run on another machine), and
    emptied as soon as the job ends. Errors name the row (or record) and the field, never a person."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"  # refused whole: nothing written

    id = models.UUIDField(primary_key=True)
    kind = models.CharField(max_length=40)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    data = models.BinaryField(blank=True, default=b"")  # the upload, until the job ends
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # ["Row 4, court: Court is required.", ...]
    result = models.JSONField(default=dict, blank=True)  # the importer's summary (counts, changes)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} import {str(self.id)[:8]} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(99, 100 * self.rows_done // self.rows_total) if self.rows_total else 0

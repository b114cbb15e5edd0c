"""The shell's own table: the task worker's heartbeat (issue #15, item 6; decision 0031).

Each `manage.py leadline_worker` process keeps one row, written every few seconds from a thread beside its
task loop, with the task it is running. `/healthz` reads the newest row to say whether a worker is alive,
and the recovery pass reads them as leases: a task stays RUNNING only while the worker that claimed it
still beats and still says it is running it. No participant data: ids, times and counts only.
"""

from __future__ import annotations

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

"""The task worker kept alive (issue #15, item 6; decision 0031).

django-tasks-db's `db_worker` loop stops for good at the first database error that is not "database is
locked": a PostgreSQL restart or a network blip ends the process, and a task it was running stays RUNNING
for ever. `manage.py leadline_worker` runs the same loop (`SupervisedWorker` is the library's `Worker`,
not a copy of it) and adds what a county needs to leave it alone overnight:

- **database errors are waited out**: the loop is started again after 1, 2, 4 … 30 seconds, the broken
  connection closed first;
- **a heartbeat** (`core.WorkerHeartbeat`), written every few seconds by a thread beside the loop, with the
  task being run: `/healthz` reads it, and the recovery pass reads it as the task's lease;
- **duties** that apps register (`register_duty`) run on their own thread every so often — the recovery
  pass here, the hand-off escalation sweep in referrals — so nothing waits on a task that was lost;
- **recovery** (`tasks_recover_stale`): a task RUNNING without a live lease goes back to READY (once per
  claim, at most `LEADLINE_TASK_MAX_CLAIMS` claims, then FAILED so a task that kills its worker cannot
  loop for ever). A task whose worker still beats and still names it is never touched, so nothing that is
  really running is run twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections
from django.db.models import Q
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max

from leadline.core import clock
from leadline.core.models import WorkerHeartbeat

logger = logging.getLogger("leadline.worker")

DB_ERRORS = (OperationalError, InterfaceError)
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=int(getattr(settings, name, default)))


def beat_every() -> timedelta:
    return _seconds("LEADLINE_WORKER_BEAT_SECONDS", 10)


def lease() -> timedelta:
    """A worker silent this long is taken for dead: `/healthz` says so and its running task is retried."""
    return _seconds("LEADLINE_WORKER_LEASE_SECONDS", 120)


def task_timeout() -> timedelta:
    """How long a task claimed by a worker without a heartbeat (a plain `db_worker`) may stay RUNNING:
    far beyond the longest task (the nightly evaluation takes minutes)."""
    return _seconds("LEADLINE_TASK_TIMEOUT_SECONDS", 3600)


def overdue_after() -> timedelta:
    return _seconds("LEADLINE_TASK_OVERDUE_SECONDS", 300)


def max_claims() -> int:
    return int(getattr(settings, "LEADLINE_TASK_MAX_CLAIMS", 3))


# --- Duties: periodic work an app asks every worker to do -----------------------------------------------


@dataclass(frozen=True)
class Duty:
    name: str
    path: str  # dotted path to a function taking no arguments
    every: timedelta


_duties: dict[str, Duty] = {}


def register_duty(name: str, path: str, *, every: timedelta) -> None:
    """Ask every worker to call ``path`` about every ``every`` (from an app's ``ready()``). The function
    must be idempotent: two workers, or a worker and cron, may run it at the same moment."""
    _duties[name] = Duty(name, path, every)


def duties() -> list[Duty]:
    return list(_duties.values())


# --- Recovery of tasks whose worker died -------------------------------------------------------------


def tasks_recover_stale(*, now: datetime | None = None) -> dict[str, int]:
    """Put back every RUNNING task whose worker is gone (READY again, run by the next free worker), or give
    it up after ``max_claims()`` claims. Compare-and-set on (status, started_at): two passes at once, or a
    worker finishing the task meanwhile, change it once. Returns counts."""
    now = now or clock.now()
    beats = {b.worker_id: b for b in WorkerHeartbeat.objects.all()}
    retried = failed = 0
    # A task younger than the lease is never touched, whatever its worker says.
    for task in DBTaskResult.objects.running().filter(started_at__lt=now - lease()):
        worker_id = task.worker_ids[-1] if task.worker_ids else ""
        beat = beats.get(worker_id)
        if beat is None:
            stale = task.started_at < now - task_timeout()
        else:
            gone = beat.seen_at < now - lease()
            # The worker beat well after the claim, and says it is running something else (or nothing).
            moved_on = beat.seen_at >= task.started_at + 2 * beat_every() and beat.task_id != str(task.id)
            stale = gone or moved_on
        if not stale:
            continue
        claimed = DBTaskResult.objects.filter(pk=task.pk, status="RUNNING", started_at=task.started_at)
        if len(task.worker_ids) >= max_claims():
            changed = claimed.update(
                status="FAILED", finished_at=now, return_value=None,
                exception_class_path="leadline.core.worker.TaskAbandoned",
                traceback=f"Given up: its worker stopped during each of {len(task.worker_ids)} runs.",
            )  # fmt: skip
            failed += changed
            if changed:
                logger.error("task %s (%s) given up after %s claims", task.pk, task.task_path,
                             len(task.worker_ids))  # fmt: skip
        else:
            changed = claimed.update(status="READY", started_at=None)
            retried += changed
            if changed:
                logger.warning("task %s (%s) was left RUNNING by a stopped worker: retried", task.pk,
                               task.task_path)  # fmt: skip
    # Heartbeats of workers long gone (every restart is a new worker id) are not kept for ever.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return {"retried": retried, "failed": failed}


# --- What /healthz reports --------------------------------------------------------------------------------


def worker_expected() -> bool:
    """A worker is expected wherever tasks go to the database (not under the tests' dummy backend)."""
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    return backend.startswith("django_tasks_db")


def health(*, now: datetime | None = None) -> dict[str, Any]:
    """The worker's last beat and the tasks that are late: counts and ages only, nothing about anyone.
    Three indexed queries."""
    now = now or clock.now()
    cutoff = now - overdue_after()
    problems: list[str] = []
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", "backing_off").first()
    age = int((now - last[0]).total_seconds()) if last else None
    if worker_expected():
        if last is None or now - last[0] > lease():
            problems.append("worker_silent")
        elif last[1]:
            problems.append("worker_waiting_for_database")
    # READY tasks past their time: a deferred task's run_after, or an immediate one's enqueue time.
    overdue = DBTaskResult.objects.filter(status="READY").filter(
        Q(run_after__lt=cutoff) | Q(run_after=get_date_max(), enqueued_at__lt=cutoff)
    )
    stuck = DBTaskResult.objects.running().filter(started_at__lt=now - task_timeout())
    counts = {"overdue": overdue.count(), "stuck": stuck.count()}
    if counts["overdue"]:
        problems.append("tasks_overdue")
    if counts["stuck"]:
        problems.append("tasks_stuck")
    return {
        "status": "fail" if problems else "ok",
        "problems": problems,
        "worker": {"last_beat_seconds_ago": age},
        "tasks": counts,
    }


# --- The worker -------------------------------------------------------------------------------------------


class SupervisedWorker(Worker):
    """The library's worker, restarted after a database error, with a heartbeat and duties beside it."""

    def __init__(
        self, *, threads: bool = True, sleep: Callable[[float], None] = time.sleep, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.threads = threads
        self.sleep = sleep
        self.current_task_id = ""
        self.backing_off = False
        self.stop = threading.Event()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.current_task_id = str(db_task_result.id)
        try:
            super().run_task(db_task_result)
        finally:
            self.current_task_id = ""

    def run(self) -> None:
        if self.threads:
            for target, name in ((self._beats, "heartbeat"), (self._duties, "duties")):
                threading.Thread(target=target, name=f"leadline-{name}", daemon=True).start()
        delay = BACKOFF_FIRST
        try:
            while self.running:
                began = time.monotonic()
                try:
                    super().run()  # returns only in batch mode or after --max-tasks
                    return
                except DB_ERRORS as exc:
                    if not self.running:
                        return
                    if time.monotonic() - began > 60:  # it ran a good while since the last error
                        delay = BACKOFF_FIRST
                    self.backing_off = True
                    logger.warning("worker %s: database error (%s: %s); trying again in %.0f s",
                                   self.worker_id[:8], type(exc).__name__, exc, delay)  # fmt: skip
                    connections.close_all()
                    self.sleep(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
                    self.startup_delay = False
                    self.backing_off = False
        finally:
            self.stop.set()

    # Both threads use their own database connection, closed after each round so a database that went
    # away is reconnected to, and swallow every error: they must outlive any outage.

    def beat(self) -> None:
        now = clock.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"pid": os.getpid(), "seen_at": now, "task_id": self.current_task_id,
                      "backing_off": self.backing_off},
            create_defaults={"pid": os.getpid(), "seen_at": now, "started_at": now,
                             "task_id": self.current_task_id, "backing_off": self.backing_off},
        )  # fmt: skip

    def _beats(self) -> None:
        while not self.stop.is_set():
            try:
                self.beat()
            except Exception as exc:  # the database is down: /healthz will say so by the beat's age
                logger.warning("worker %s: no heartbeat (%s)", self.worker_id[:8], type(exc).__name__)
            finally:
                connection.close()
            self.stop.wait(beat_every().total_seconds())

    def run_due_duties(self, last: dict[str, float]) -> None:
        for duty in duties():
            if time.monotonic() - last.get(duty.name, -1e9) < duty.every.total_seconds():
                continue
            try:
                result = import_string(duty.path)()
                last[duty.name] = time.monotonic()
                if result and (not isinstance(result, dict) or any(result.values())):  # only what it did
                    logger.info("worker duty %s: %s", duty.name, result)
            except Exception:
                logger.exception("worker duty %s failed; tried again next round", duty.name)
            finally:
                close_old_connections()
                connection.close()

    def _duties(self) -> None:
        last: dict[str, float] = {}
        self.stop.wait(min(5.0, beat_every().total_seconds()))  # let the first beat go first
        while not self.stop.is_set():
            self.run_due_duties(last)
            self.stop.wait(5.0)


register_duty("recover_stale_tasks", "leadline.core.worker.tasks_recover_stale", every=timedelta(minutes=1))

"""The task worker stays up (issue #15, item 6): it waits out database errors, a task left RUNNING by a
worker that died is run again (once), `/healthz` says when the worker is silent or tasks are late, `/readyz`
says whether the database answers, and hand-off escalation has a sweep of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django_tasks import task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from leadline.core import clock, worker
from leadline.core.models import WorkerHeartbeat
from leadline.core.worker import SupervisedWorker, tasks_recover_stale

RUNS: list[int] = []


@task()
def note_run(n: int) -> int:
    RUNS.append(n)
    return n


@pytest.fixture
def db_tasks(settings, monkeypatch):
    """Tasks go to the database, as in production (the suite's default is the dummy backend). The test's
    transaction must survive the worker's connection housekeeping, so that is a no-op here."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker.connections, "close_all", lambda: None)
    RUNS.clear()
    return settings


def _worker(sleeps: list[float], **kwargs: object) -> SupervisedWorker:
    options = dict(queue_names=["default"], interval=0, batch=True, backend_name="default", max_tasks=None,
                   startup_delay=False, worker_id="test-worker", excluded_queue_names=[])  # fmt: skip
    options.update(kwargs)
    return SupervisedWorker(threads=False, sleep=sleeps.append, **options)


def _flaky_get_locked(monkeypatch: pytest.MonkeyPatch, failures: int) -> None:
    real = DBTaskResultQuerySet.get_locked
    left = {"n": failures}

    def get_locked(self: DBTaskResultQuerySet) -> DBTaskResult | None:
        if left["n"]:
            left["n"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(self)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", get_locked)


def test_the_library_worker_dies_on_a_database_error_and_ours_waits_it_out(db, db_tasks, monkeypatch):
    result = note_run.enqueue(7)
    _flaky_get_locked(monkeypatch, failures=1)
    with pytest.raises(OperationalError):  # what happened in production: db_worker's loop ends
        db_worker.Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                         startup_delay=False, max_tasks=None, worker_id="plain",
                         excluded_queue_names=[]).run()  # fmt: skip
    _flaky_get_locked(monkeypatch, failures=3)
    sleeps: list[float] = []
    _worker(sleeps).run()
    assert sleeps == [1.0, 2.0, 4.0]  # backing off, then the loop runs again
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL" and RUNS == [7]


def test_the_back_off_grows_to_thirty_seconds(db, db_tasks, monkeypatch):
    _flaky_get_locked(monkeypatch, failures=7)
    sleeps: list[float] = []
    _worker(sleeps).run()
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def _running(result_id: str, *, started_ago: timedelta, workers: list[str]) -> None:
    DBTaskResult.objects.filter(pk=result_id).update(
        status="RUNNING", started_at=clock.now() - started_ago, worker_ids=workers
    )


def _beat(worker_id: str, *, ago: timedelta, task_id: str = "") -> None:
    now = clock.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"pid": 1, "started_at": now - timedelta(hours=1), "seen_at": now - ago, "task_id": task_id},
    )


def test_a_task_left_running_by_a_dead_worker_is_run_again_once(db, db_tasks):
    killed = note_run.enqueue(1)
    _running(killed.id, started_ago=timedelta(minutes=10), workers=["dead"])
    _beat("dead", ago=timedelta(minutes=9))  # it beat a minute into the task, then nothing
    assert tasks_recover_stale() == {"retried": 1, "failed": 0}
    assert tasks_recover_stale() == {"retried": 0, "failed": 0}  # the second pass finds nothing
    _worker([]).run()
    assert RUNS == [1] and DBTaskResult.objects.get(pk=killed.id).worker_ids == ["dead", "test-worker"]


def test_a_task_still_running_is_never_run_twice(db, db_tasks):
    busy = note_run.enqueue(2)
    _running(busy.id, started_ago=timedelta(hours=2), workers=["alive"])
    _beat("alive", ago=timedelta(seconds=5), task_id=str(busy.id))  # a long task, its worker beating
    young = note_run.enqueue(3)
    _running(young.id, started_ago=timedelta(seconds=30), workers=["gone"])  # younger than the lease
    plain = note_run.enqueue(4)
    _running(plain.id, started_ago=timedelta(minutes=30), workers=["a-plain-db-worker"])  # no heartbeat
    assert tasks_recover_stale() == {"retried": 0, "failed": 0}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"RUNNING"}


def test_a_worker_that_moved_on_leaves_its_task_to_be_retried_and_a_plain_one_after_the_timeout(db, db_tasks):
    orphan = note_run.enqueue(5)
    _running(orphan.id, started_ago=timedelta(minutes=5), workers=["w"])
    _beat("w", ago=timedelta(seconds=3), task_id="")  # alive, but the task's run ended in an error
    plain = note_run.enqueue(6)
    _running(plain.id, started_ago=timedelta(hours=2), workers=["a-plain-db-worker"])
    assert tasks_recover_stale() == {"retried": 2, "failed": 0}


def test_a_task_that_keeps_killing_its_worker_is_given_up(db, db_tasks):
    poison = note_run.enqueue(8)
    _running(poison.id, started_ago=timedelta(minutes=10), workers=["a", "b", "c"])
    assert tasks_recover_stale(now=clock.now() + timedelta(hours=2)) == {"retried": 0, "failed": 1}
    row = DBTaskResult.objects.get(pk=poison.id)
    assert row.status == "FAILED" and row.exception_class_path.endswith("TaskAbandoned")


def test_the_worker_beats_and_runs_its_duties(db, db_tasks, monkeypatch):
    w = _worker([])
    w.current_task_id = "abc"
    w.beat()
    beat = WorkerHeartbeat.objects.get(worker_id="test-worker")
    assert beat.task_id == "abc" and beat.seen_at == beat.started_at
    called: list[str] = []
    monkeypatch.setattr("leadline.referrals.tasks.handoff_sweep", lambda: called.append("sweep") or 1)  # type: ignore[func-returns-value]
    monkeypatch.setattr(worker, "connection", type("C", (), {"close": staticmethod(lambda: None)}))
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    last: dict[str, float] = {}
    w.run_due_duties(last)
    w.run_due_duties(last)  # not due again for a minute
    assert called == ["sweep"] and {"handoff_sweep", "recover_stale_tasks"} <= set(last)


# --- /healthz and /readyz ----------------------------------------------------------------------------------


def _get(path: str) -> tuple[int, dict]:
    response = Client().get(path)
    return response.status_code, response.json()


def test_healthz_fails_when_the_worker_is_silent_and_passes_when_it_beats(db, db_tasks):
    status, body = _get("/healthz")
    assert status == 503 and body["problems"] == ["worker_silent"]
    _beat("w", ago=timedelta(minutes=3))
    assert _get("/healthz")[0] == 503
    _beat("w", ago=timedelta(seconds=4))
    status, body = _get("/healthz")
    assert status == 200 and body == {"status": "ok", "problems": [], "worker": {"last_beat_seconds_ago": 4},
                                      "tasks": {"overdue": 0, "stuck": 0}}  # fmt: skip


def test_healthz_fails_when_a_task_is_overdue_or_stuck(db, db_tasks):
    _beat("w", ago=timedelta(seconds=1))
    waiting = note_run.enqueue(1)
    assert _get("/healthz")[0] == 200  # just queued
    with time_machine.travel(clock.now() + timedelta(minutes=6)):
        _beat("w", ago=timedelta(seconds=1))
        status, body = _get("/healthz")
        assert status == 503 and body["problems"] == ["tasks_overdue"] and body["tasks"]["overdue"] == 1
    deferred = note_run.using(run_after=clock.now() + timedelta(minutes=1)).enqueue(2)
    DBTaskResult.objects.filter(pk=waiting.id).update(status="SUCCESSFUL")
    with time_machine.travel(clock.now() + timedelta(minutes=5)):
        _beat("w", ago=timedelta(seconds=1))
        assert _get("/healthz")[0] == 200  # its time came four minutes ago: within the threshold
    _running(deferred.id, started_ago=timedelta(hours=2), workers=["w"])
    status, body = _get("/healthz")
    assert status == 503 and body["problems"] == ["tasks_stuck"]


def test_healthz_says_nothing_about_anyone_and_needs_no_worker_under_the_dummy_backend(world):
    status, body = _get("/healthz")  # the suite's settings: tasks are not run by a worker
    assert status == 200 and set(body) == {"status", "problems", "worker", "tasks"}


def _database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self: BaseDatabaseWrapper) -> None:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)


def test_readyz_checks_the_database_and_only_that(db, db_tasks, monkeypatch):
    assert _get("/readyz") == (200, {"status": "ok"})  # no worker beats: not readyz's business
    with monkeypatch.context() as patched:
        _database_down(patched)
        assert _get("/readyz") == (503, {"status": "fail", "problems": ["database_unavailable"]})
        assert _get("/healthz") == (503, {"status": "fail", "problems": ["database_unavailable"]})


# --- The hand-off sweep -------------------------------------------------------------------------------------


def test_handoff_sweep_escalates_an_overdue_request_exactly_once(small_world, capsys):
    from leadline.demo.testing import make_referral
    from leadline.referrals.models import HandoffPage, OnCallShift
    from leadline.referrals.services import handoff_request

    now = clock.now()
    people = small_world
    OnCallShift.objects.create(case_manager=people["case_manager"], backup=people.casey,
                               supervisor=people["program_manager"], starts_at=now - timedelta(hours=1),
                               ends_at=now + timedelta(hours=8))  # fmt: skip
    with time_machine.travel(now, tick=False) as traveller:
        handoff, _ = handoff_request(actor=people["officer"], referral=make_referral(people["officer"]),
                                     callback_phone="+15855550199")  # fmt: skip
        call_command("handoff_sweep")
        traveller.shift(timedelta(minutes=7))  # the worker was down: its task never ran
        call_command("handoff_sweep")
        call_command("handoff_sweep")
    out = capsys.readouterr().out
    assert out.count("0 request(s) escalated") == 2 and out.count("1 request(s) escalated") == 1
    pages = list(HandoffPage.objects.filter(handoff=handoff).values_list("recipient__username", "level"))
    assert pages == [("carmen", 0), ("casey", 1)]

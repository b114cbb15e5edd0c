"""`leadline run` supervises its task worker (issue #15, item 6): a worker that stops is started again,
with a growing wait, and each restart is said on the console."""

from __future__ import annotations

import sys

from leadline.core.supervisor import Supervisor


class FakeProcess:
    def __init__(self, code: int) -> None:
        self.code = code

    def wait(self, timeout: float | None = None) -> int:
        return self.code

    def poll(self) -> int:
        return self.code


def test_a_worker_that_keeps_dying_is_restarted_with_a_growing_wait_and_said_so():
    started: list[list[str]] = []
    lines: list[str] = []
    waits: list[float] = []
    ticks = iter(range(0, 1000, 1))  # each run lasts one second: never healthy long enough to reset

    def popen(argv: list[str], env: object = None) -> FakeProcess:
        started.append(argv)
        return FakeProcess(1)

    supervisor = Supervisor(["worker"], popen=popen, log=lines.append, monotonic=lambda: float(next(ticks)))
    supervisor.wait = lambda seconds: bool(waits.append(seconds))  # type: ignore[func-returns-value,method-assign]
    supervisor.run(max_starts=8)
    assert len(started) == 8 and waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert lines[0] == "leadline run: the task worker stopped (exit code 1); starting it again in 1 s"
    assert lines[-1].endswith("not started again")


def test_a_worker_that_ran_a_good_while_is_restarted_at_once():
    times = iter([0.0, 100.0, 100.0, 101.0, 101.0, 400.0])
    waits: list[float] = []
    supervisor = Supervisor(["w"], popen=lambda argv, env=None: FakeProcess(0), log=lambda _: None,
                            monotonic=lambda: next(times))  # fmt: skip
    supervisor.wait = lambda seconds: bool(waits.append(seconds))  # type: ignore[func-returns-value,method-assign]
    supervisor.run(max_starts=3)
    assert waits == [1.0, 2.0]  # the first run was healthy (100 s); the second died at once


def test_a_real_child_is_restarted_and_stopped():
    lines: list[str] = []
    supervisor = Supervisor([sys.executable, "-c", "raise SystemExit(3)"], log=lines.append)
    supervisor.wait = lambda seconds: False  # type: ignore[method-assign]  # no real sleeping
    supervisor.run(max_starts=2)
    assert supervisor.starts == 2 and "exit code 3" in lines[0]
    supervisor.stop()

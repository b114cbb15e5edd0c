"""Keep a child process running (issue #15, item 6): `leadline run` supervises its task worker with this.

Plain Python (no Django), so the command line can use it before Django is set up. In production the same
job is systemd's (`Restart=always`, docs/operations.md); this is the embedded system's equivalent.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

FIRST_DELAY, MAX_DELAY = 1.0, 30.0
HEALTHY_AFTER = 60.0  # a run this long resets the back-off: the next stop is a new incident


class Supervisor:
    """Start ``argv``; whenever it ends, say so and start it again after 1, 2, 4 … 30 seconds."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str = "task worker",
        env: dict[str, str] | None = None,
        log: Callable[[str], None] = print,
        popen: Callable[..., Any] = subprocess.Popen,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.argv, self.name, self.env, self.log = list(argv), name, env, log
        self.popen, self.monotonic = popen, monotonic
        self.proc: Any = None
        self.starts = 0
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def wait(self, seconds: float) -> bool:
        """Wait before a restart; True when asked to stop meanwhile (tests replace it: no real sleeping)."""
        return self.stopping.wait(seconds)

    def run(self, *, max_starts: int | None = None) -> None:
        delay = FIRST_DELAY
        while not self.stopping.is_set():
            began = self.monotonic()
            self.proc = self.popen(self.argv, env=self.env)
            self.starts += 1
            if self.stopping.is_set():  # stop() came while it was starting
                self.proc.terminate()
            code = self.proc.wait()
            if self.stopping.is_set():
                return
            if self.monotonic() - began >= HEALTHY_AFTER:
                delay = FIRST_DELAY
            if max_starts is not None and self.starts >= max_starts:
                self.log(f"leadline run: the {self.name} stopped (exit code {code}); not started again")
                return
            self.log(f"leadline run: the {self.name} stopped (exit code {code}); starting it again in "
                     f"{delay:.0f} s")  # fmt: skip
            if self.wait(delay):
                return
            delay = min(delay * 2, MAX_DELAY)

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name=f"supervise {self.name}", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop supervising, then the child: SIGTERM (the worker ends its task first), SIGKILL after
        ``timeout``."""
        self.stopping.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.thread is not None:
            self.thread.join(timeout=timeout)

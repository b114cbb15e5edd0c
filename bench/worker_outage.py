"""The task worker through a database outage (issue #15, item 6): how many hand-off escalations go overdue.

A demo database (SQLite, a fresh file) with N LEAD-line requests nobody acknowledges, their escalation
checks coming due one by one over the next 30 seconds. The worker runs as its own process; 5 seconds in,
the database disappears for OUTAGE seconds (the file is moved away: every new connection fails with an
error that is not "database is locked", as a PostgreSQL restart or a network cut does), then comes back.
45 seconds in, count the requests whose escalation was due more than 5 seconds ago and has not happened,
and the worst lateness of those that did.

    python bench/worker_outage.py                 # leadline_worker (this tree)
    python bench/worker_outage.py --db-worker     # django-tasks-db's plain db_worker, for comparison

Connections are not kept between the worker's rounds (DATABASE_CONN_MAX_AGE=0), so the outage reaches the
worker as a lost connection would. Run from any checkout: it uses the tree it sits in.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N, SPREAD, OUTAGE_AT, END, GRACE = 30, 30.0, 5.0, 45.0, 5.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db-worker", action="store_true", help="run the library's db_worker instead")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds the database is away (5)")
    ns = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="leadline-outage-"))
    db = tmp / "db.sqlite3"
    os.environ.update({"LEADLINE_VAR_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{db}", "DJANGO_DEBUG": "1",
                       "DJANGO_SETTINGS_MODULE": "config.settings",
                       "DATABASE_CONN_MAX_AGE": "0"})  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from leadline.accounts.models import User
    from leadline.core import clock
    from leadline.demo.seed import seed_demo
    from leadline.referrals.models import Handoff
    from leadline.referrals.services.handoffs import handoff_raise

    call_command("migrate", "--no-input", verbosity=0)
    seed_demo()
    DBTaskResult.objects.all().delete()  # the demo's own bookings: only the escalations are measured
    officer = User.objects.get(username="olivia")
    ack = timedelta(minutes=5)
    checks = {}
    for i in range(N):
        h = handoff_raise(actor=officer, referral=None, callback_phone=f"+1585555{i:04d}", now=clock.now(),
                          ack_minutes=5, channel=Handoff.Channel.SMS)  # fmt: skip
        checks[h.pk] = DBTaskResult.objects.filter(task_path__endswith="handoff_check").order_by(
            "-enqueued_at"
        )[0]
    t0 = clock.now() + timedelta(seconds=3)  # the worker starts now; the first check comes due 4 s from now
    due = {}
    for i, (pk, check) in enumerate(checks.items()):
        at = t0 + timedelta(seconds=SPREAD * (i + 1) / N)
        Handoff.objects.filter(pk=pk).update(last_paged_at=at - ack)
        DBTaskResult.objects.filter(pk=check.pk).update(run_after=at)
        due[pk] = at
    DBTaskResult.objects.exclude(task_path__endswith="handoff_check").delete()  # the first pages' sends
    from django.db import connections

    connections.close_all()
    command = "db_worker" if ns.db_worker else "leadline_worker"
    log = open(tmp / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), command, "--no-startup-delay", "--interval", "0.2",
         "--no-reload"], cwd=ROOT, env=os.environ, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    t0_mono = time.monotonic() + (t0 - clock.now()).total_seconds()

    def sleep_until(seconds_after_t0: float) -> None:
        time.sleep(max(0.0, t0_mono + seconds_after_t0 - time.monotonic()))

    sleep_until(OUTAGE_AT)
    away = tmp / "db.away"
    shutil.move(db, away)
    gone_at = clock.now()
    sleep_until(OUTAGE_AT + ns.outage)
    if db.exists():
        db.unlink()  # the empty file a connection attempt made meanwhile
    shutil.move(away, db)
    back_at = clock.now()
    sleep_until(END)
    end = clock.now()
    alive = worker.poll() is None
    worker.terminate()
    worker.wait(timeout=30)
    log.close()
    done = Handoff.objects.filter(pk__in=due, escalation_level__gte=1)
    escalated = dict(done.values_list("pk", "last_paged_at"))
    overdue = [pk for pk, at in due.items() if at < end - timedelta(seconds=GRACE) and pk not in escalated]
    late = [(escalated[pk] - at).total_seconds() for pk, at in due.items() if pk in escalated]
    gone, back, at_end = ((t - t0).total_seconds() for t in (gone_at, back_at, end))
    print(f"worker: {command}; outage {ns.outage:.0f} s, from {gone:.1f} s to {back:.1f} s; "
          f"measured at {at_end:.0f} s")  # fmt: skip
    print(f"  escalations due: {sum(at < end for at in due.values())} of {N}; done: {len(escalated)}; "
          f"overdue (> {GRACE:.0f} s, not done): {len(overdue)}")  # fmt: skip
    if late:
        print(
            f"  lateness of those done: median {sorted(late)[len(late) // 2]:.1f} s, worst {max(late):.1f} s"
        )
    print(
        f"  worker process alive at the end: {'yes' if alive else 'no (exit ' + str(worker.returncode) + ')'}"
    )
    if not alive:
        last = [line for line in (tmp / "worker.log").read_text().splitlines() if line.strip()][-1:]
        print(f"  its last words: {last[0][:150] if last else '(none)'}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""`manage.py leadline_worker`: django-tasks-db's `db_worker`, kept alive (leadline/core/worker.py).

The same options as `db_worker` (queues, interval, batch, max tasks, worker id) without `--reload`; the
loop waits out database errors instead of ending, beats a heartbeat that `/healthz` reads, and runs the
registered duties (the recovery of tasks left RUNNING, the hand-off escalation sweep). Run it under a
supervisor that restarts it if it ends all the same (systemd, `leadline run`): docs/operations.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from leadline.core.worker import SupervisedWorker


class Command(db_worker.Command):
    help = "Run the background task worker: survives database errors, beats a heartbeat, runs duties."

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        if options.get("reload"):
            db_worker.logger.warning("leadline_worker does not reload on code changes; restart it instead.")
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = SupervisedWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()

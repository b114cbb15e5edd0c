"""The task worker's part in the suite (issue #15, item 7): requests and services only queue deliveries;
the suite's dummy task backend keeps the `send_deliveries` tasks they queued, and this runs them, as the
worker would after the commit."""

from __future__ import annotations

from django_tasks import default_task_backend

from leadline.notifications.tasks import send_deliveries


def queued_delivery_ids() -> list[int]:
    """The ids every queued, not yet run `send_deliveries` task holds."""
    results = getattr(default_task_backend, "results", [])
    return [i for r in results if r.task.func is send_deliveries.func for i in r.args[0]]


def send_queued_deliveries() -> int:
    """Run the queued `send_deliveries` tasks (each once, as the worker would); returns how many went."""
    results = getattr(default_task_backend, "results", [])
    mine = [r for r in results if r.task.func is send_deliveries.func]
    results[:] = [r for r in results if r.task.func is not send_deliveries.func]
    return sum(send_deliveries.call(*r.args, **r.kwargs) for r in mine)

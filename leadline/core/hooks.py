"""A registry of answers to a lifecycle event, model by model (issue #16, decision 0035).

A lower app announces an event (a participant merged, a legal matter sealed or purged, a user
deactivated); every app answers for the rows of the models it owns, either with a handler or with a
declaration that the event has nothing to do for that model, and why. The owning app's registry
(``participants.lifecycle``, ``accounts.lifecycle``) is an instance of :class:`Hooks`; apps register in
their ``AppConfig.ready()`` (through their own ``hooks.py``), so the announcing app imports none of them.

``run`` calls each registered handler once, in the order they were registered (each app registers in its
``ready()``, so the order of INSTALLED_APPS, then the app's own order), inside the caller's transaction:
it refuses to run outside one, so a handler's rows commit or roll back with the event's own. The counts
handlers return are summed by label, for the caller's audit row.

``unanswered`` is what the completeness tests read: a new model that points at a participant (or a user)
and gives no answer is named, so it cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

E = TypeVar("E", bound=StrEnum)

Handler = Callable[..., Mapping[str, int] | None]


@dataclass(frozen=True)
class Answer:
    """One model's answer to one event: a handler, or nothing to do with the reason."""

    event: str
    model: str  # "app_label.Model"
    handler: Handler | None = None
    reason: str = ""


def _labels(model_or_models: type[models.Model] | Iterable[type[models.Model]]) -> list[str]:
    if isinstance(model_or_models, type):
        return [model_or_models._meta.label]
    return [m._meta.label for m in model_or_models]


class Hooks(Generic[E]):
    """The answers to one owner's events, keyed by (event, model label)."""

    def __init__(self, owner: str):
        self.owner = owner
        self._answers: dict[tuple[str, str], Answer] = {}

    def register(
        self, event: E, model_or_models: type[models.Model] | Iterable[type[models.Model]], handler: Handler
    ) -> None:
        """``handler`` answers ``event`` for the rows of these models (one handler may answer for several
        models it moves together; it is called once)."""
        for label in _labels(model_or_models):
            self._put(Answer(event=str(event), model=label, handler=handler))

    def nothing_to_do(
        self, event: E, model_or_models: type[models.Model] | Iterable[type[models.Model]], *, reason: str
    ) -> None:
        """Declare that ``event`` truly changes nothing in these models' rows, saying why."""
        if len(reason.strip()) < 10:
            raise ImproperlyConfigured(f"{self.owner}: nothing_to_do({event}) needs a reason, in words")
        for label in _labels(model_or_models):
            self._put(Answer(event=str(event), model=label, reason=reason.strip()))

    def _put(self, answer: Answer) -> None:
        key = (answer.event, answer.model)
        if key in self._answers and self._answers[key] != answer:
            raise ImproperlyConfigured(f"{self.owner}: {answer.model} answers {answer.event} twice")
        self._answers[key] = answer

    def answer(self, event: E, model: type[models.Model]) -> Answer | None:
        return self._answers.get((str(event), model._meta.label))

    def handlers(self, event: E) -> list[Handler]:
        """The handlers of ``event``, each once, in registration order."""
        seen: list[Handler] = []
        for (ev, _label), a in self._answers.items():
            if ev == str(event) and a.handler is not None and a.handler not in seen:
                seen.append(a.handler)
        return seen

    def run(self, event: E, **kwargs: Any) -> dict[str, int]:
        """Call every handler of ``event`` with ``kwargs``, inside the caller's transaction; returns the
        counts they report, summed by label."""
        if not connection.in_atomic_block:
            raise RuntimeError(f"{self.owner}: {event} runs inside the caller's transaction")
        counts: dict[str, int] = {}
        for handler in self.handlers(event):
            for label, n in (handler(**kwargs) or {}).items():
                counts[label] = counts.get(label, 0) + n
        return counts

    def unanswered(self, model: type[models.Model], events: Iterable[E]) -> list[str]:
        """Which of ``events`` the model gives no answer to, as sentences naming it."""
        return [
            f"{model._meta.label} gives no answer to {self.owner} {event}: register a handler or declare "
            f"nothing_to_do with a reason in its app's hooks.py"
            for event in events
            if self.answer(event, model) is None
        ]


def relations_to(model: type[models.Model], targets: Iterable[str]) -> set[str]:
    """The labels among ``targets`` that ``model`` points at by a concrete foreign key, one-to-one or
    many-to-many."""
    wanted = set(targets)
    found = set()
    for f in model._meta.get_fields():
        if f.concrete and f.is_relation and (f.many_to_one or f.one_to_one or f.many_to_many):
            related = f.related_model
            if isinstance(related, type) and related._meta.label in wanted:
                found.add(related._meta.label)
    return found

"""Every app answers for its own rows when a participant is merged, a legal matter is sealed or purged, or
the pseudonymous export is written (PRODUCT.md §4 rule 13; issue #16).

Every model is found by introspection: one that points at a participant must answer all four events, one
that points at a referral or a legal matter must answer SEAL and PURGE, with a handler or a declared
nothing_to_do and its reason. A new model that gives no answer fails the first test, named."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.db import connection, models, transaction

from leadline.core.hooks import Hooks, relations_to
from leadline.participants import lifecycle
from leadline.participants.lifecycle import PARTICIPANT, Event, check_every_model_answers, unanswered
from leadline.participants.models import Participant


def test_every_model_pointing_at_a_participant_a_referral_or_a_matter_answers():
    # An auto-created many-to-many table is answered for by the model that declares the field.
    assert unanswered(list(apps.get_models())) == []


def test_every_app_answers_merge_with_a_handler_where_it_holds_the_rows():
    """A merge moves rows: of the models pointing at a participant, only one whose rows stay by design
    (the break-glass grant, decision 0029) may declare that it has nothing to do."""
    pointing = [m for m in apps.get_models() if relations_to(m, (PARTICIPANT,))]
    answers = {m._meta.label: lifecycle.hooks.answer(Event.MERGE, m) for m in pointing}
    declared = [label for label, a in answers.items() if a is not None and a.handler is None]
    assert declared == ["participants.BreakGlassGrant"]


def _scratch_model() -> type[models.Model]:
    """A model no app registered, in a registry of its own so it touches nothing of the project's."""

    class Scratch(models.Model):  # noqa: DJ008 (never shown)
        participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "lifecycle_scratch"
            apps = Apps()

    return Scratch


def test_a_new_model_without_an_answer_is_named():
    scratch = _scratch_model()
    missing = unanswered([scratch])
    assert len(missing) == 4
    for event in ("merge", "seal", "purge", "export"):
        assert any(m.startswith("lifecycle_scratch.Scratch ") and event in m for m in missing)


def test_a_new_model_passes_once_it_answers_every_event():
    scratch = _scratch_model()
    hooks: Hooks[Event] = Hooks("test")
    hooks.register(Event.MERGE, scratch, lambda **kw: {})
    hooks.nothing_to_do(Event.SEAL, scratch, reason="a scratch model, for this test only")
    hooks.nothing_to_do(Event.PURGE, scratch, reason="a scratch model, for this test only")
    assert unanswered([scratch], hooks) == [
        "lifecycle_scratch.Scratch gives no answer to test export: register a handler or declare "
        "nothing_to_do with a reason in its app's hooks.py"
    ]
    hooks.nothing_to_do(Event.EXPORT, scratch, reason="a scratch model, for this test only")
    assert unanswered([scratch], hooks) == []


def test_nothing_to_do_needs_a_reason_and_a_model_answers_once():
    from django.core.exceptions import ImproperlyConfigured

    scratch = _scratch_model()
    hooks: Hooks[Event] = Hooks("test")
    with pytest.raises(ImproperlyConfigured):
        hooks.nothing_to_do(Event.SEAL, scratch, reason="")
    hooks.nothing_to_do(Event.SEAL, scratch, reason="a scratch model, for this test only")
    with pytest.raises(ImproperlyConfigured):
        hooks.register(Event.SEAL, scratch, lambda **kw: {})


def test_run_calls_each_handler_once_in_order_inside_the_callers_transaction(db):
    scratch = _scratch_model()
    calls: list[tuple[str, dict[str, Any]]] = []

    def first(**kw: Any) -> dict[str, int]:
        calls.append(("first", kw))
        return {"rows": 2}

    def second(**kw: Any) -> dict[str, int]:
        calls.append(("second", kw))
        return {"rows": 1, "other": 3}

    hooks: Hooks[Event] = Hooks("test")
    hooks.register(Event.MERGE, (scratch, Participant), first)  # one handler for two models: called once
    hooks.register(Event.SEAL, scratch, second)
    with transaction.atomic():
        assert hooks.run(Event.MERGE, actor=None) == {"rows": 2}
        assert hooks.run(Event.SEAL, actor=None) == {"rows": 1, "other": 3}
    assert [c[0] for c in calls] == ["first", "second"]


def test_run_refuses_outside_a_transaction(db):
    # Asked from another thread, which holds its own connection outside any transaction (a transactional_db
    # test would flush the database, and with it the rows the migrations seed that later tests need).
    hooks: Hooks[Event] = Hooks("test")
    raised: list[BaseException] = []

    def outside() -> None:
        try:
            hooks.run(Event.MERGE, actor=None)
        except RuntimeError as exc:
            raised.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=outside)
    worker.start()
    worker.join()
    assert len(raised) == 1


def test_the_system_check_names_what_is_missing(monkeypatch):
    """At start-up the same search runs as a system check, so a hooks module that was not loaded stops the
    process instead of letting a merge skip its rows."""
    assert check_every_model_answers(None) == []
    scratch = _scratch_model()
    monkeypatch.setattr(lifecycle.django_apps, "get_models", lambda: [scratch])
    errors = check_every_model_answers(None)
    assert errors and all(e.id == "leadline.E101" for e in errors)
    assert "Scratch" in errors[0].msg or "lifecycle_scratch" in errors[0].msg

"""Every app answers for its own rows when a user is deactivated (issue #16): every model pointing at a
user, in every app and library, has a DEACTIVATE handler or a declared nothing_to_do with its reason. A new
model that gives no answer fails the first test, named."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import models

from leadline.accounts import lifecycle
from leadline.accounts.lifecycle import Event
from leadline.accounts.models import User
from leadline.accounts.services import api_token_create, user_deactivate
from leadline.audit.models import AuditEvent
from leadline.core.hooks import Hooks, relations_to


def unanswered(candidates: list[type[models.Model]], hooks: Hooks[Event] = lifecycle.hooks) -> list[str]:
    """Every model among ``candidates`` that points at a user and gives no DEACTIVATE answer, named."""
    missing: list[str] = []
    for model in candidates:
        if relations_to(model, (settings.AUTH_USER_MODEL,)):
            missing += hooks.unanswered(model, [Event.DEACTIVATE])
    return missing


def test_every_model_pointing_at_a_user_answers_deactivation():
    # An auto-created many-to-many table is answered for by the model that declares the field.
    assert unanswered(list(apps.get_models())) == []


def test_every_declaration_gives_a_reason():
    for model in apps.get_models():
        answer = lifecycle.hooks.answer(Event.DEACTIVATE, model)
        if answer is not None and answer.handler is None:
            assert len(answer.reason) > 20, model._meta.label


def test_a_new_model_without_an_answer_is_named():
    class Scratch(models.Model):  # noqa: DJ008 (never shown)
        owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

        class Meta:
            app_label = "deactivation_scratch"
            apps = Apps()

    assert unanswered([Scratch]) == [
        "deactivation_scratch.Scratch gives no answer to accounts.lifecycle deactivate: register a handler "
        "or declare nothing_to_do with a reason in its app's hooks.py"
    ]
    hooks: Hooks[Event] = Hooks("test")
    hooks.nothing_to_do(Event.DEACTIVATE, Scratch, reason="a scratch model, for this test only")
    assert unanswered([Scratch], hooks) == []


@pytest.mark.django_db
def test_the_handlers_counts_go_on_the_deactivations_audit_row(world):
    carmen = world["case_manager"]
    api_token_create(actor=carmen, name="rms", scopes=["participant_card.view"], days=30)
    user_deactivate(actor=world["site_admin"], user=carmen, reason="left the agency")
    row = AuditEvent.objects.filter(subject_type="user", subject_id=str(carmen.pk)).latest("pk")
    assert row.changes == {"is_active": {"before": True, "after": False}, "sessions_ended": 0,
                           "tokens_revoked": 1}  # fmt: skip

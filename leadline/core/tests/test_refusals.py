"""One error type (issue #16 item 3): a service's refusal lands on a form, a page or the API the same way."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from leadline.core import refusals
from leadline.core.api import exception_handler


class NoteForm(forms.Form):
    body = forms.CharField()
    idempotency_key = forms.CharField(widget=forms.HiddenInput)


def _form() -> NoteForm:
    form = NoteForm({"body": "x", "idempotency_key": "k"})
    assert form.is_valid()
    return form


def test_on_form_puts_a_refusal_on_the_field_it_names():
    form = _form()
    refusals.on_form(form, refusals.Refused("Write more.", "body"))
    assert form.errors == {"body": ["Write more."]}


def test_on_form_puts_a_refusal_on_the_whole_form_when_the_form_has_no_such_field_or_none_is_named():
    form = _form()
    refusals.on_form(form, refusals.Refused("The site is not configured yet.", "door"))
    refusals.on_form(form, refusals.NotAllowed("Only its owner may close it."))
    assert form.non_field_errors() == ["The site is not configured yet.", "Only its owner may close it."]
    assert "door" not in form.errors


def test_on_form_puts_a_refusal_naming_a_hidden_input_on_the_whole_form():
    form = _form()
    refusals.on_form(form, refusals.IdempotencyConflict("This form was already used."))
    assert form.non_field_errors() == ["This form was already used."]
    assert "idempotency_key" not in form.errors


def test_on_form_puts_each_field_of_a_refusal_naming_several_on_its_field():
    refusal = refusals.Refused("Write more.", "body")
    refusal.errors = {"body": "Write more.", "when": "Give a date."}  # type: ignore[attr-defined]
    form = _form()
    refusals.on_form(form, refusal)
    assert form.errors == {"body": ["Write more."], "__all__": ["Give a date."]}


@pytest.mark.parametrize(
    ("refusal", "body", "status"),
    [
        (refusals.Refused("Write more.", "body"), {"body": ["Write more."]}, 400),
        (
            refusals.Refused("The site is not configured yet."),
            {"detail": "The site is not configured yet."},
            400,
        ),
        (refusals.NotAllowed("You may not."), {"detail": "You may not."}, 403),
        (refusals.NotFound("No participant 12 in agency 3."), {"detail": "Not found."}, 404),
        (refusals.Conflict("Changed meanwhile.", "version"), {"version": ["Changed meanwhile."]}, 409),
        (refusals.IdempotencyConflict("Already used."), {"idempotency_key": ["Already used."]}, 409),
        (refusals.RateLimited("Too many lookups."), {"detail": "Too many lookups."}, 429),
        (
            refusals.Refused("Changed meanwhile.", "reason", status=409),
            {"reason": ["Changed meanwhile."]},
            409,
        ),
    ],
)
def test_as_api_answers_field_and_message_with_the_kind_s_status(refusal, body, status):
    assert refusals.as_api(refusal) == (body, status)


def test_a_refusal_without_a_message_says_what_its_kind_means():
    assert str(refusals.NotAllowed()) == "You may not do this."
    assert refusals.as_api(refusals.NotAllowed()) == ({"detail": "You may not do this."}, 403)
    form = _form()
    refusals.on_form(form, refusals.Refused())
    assert form.non_field_errors() == ["This was not done."]


def test_the_api_handler_answers_any_refusal_with_its_status_and_body():
    response = exception_handler(refusals.IdempotencyConflict("Already used."), {})
    assert response is not None
    assert (response.status_code, response.data) == (409, {"idempotency_key": ["Already used."]})
    response = exception_handler(refusals.NotFound("participant 12"), {})
    assert response is not None and (response.status_code, response.data) == (404, {"detail": "Not found."})


def test_the_api_handler_answers_an_app_s_refusal_too():
    from leadline.participants.lookup import RateLimited
    from leadline.referrals.services import InvalidInput

    response = exception_handler(InvalidInput("offence", "That offence is not in the policy in force."), {})
    assert response is not None and response.status_code == 400
    assert response.data == {"offence": ["That offence is not in the policy in force."]}
    response = exception_handler(RateLimited(), {})
    assert response is not None and response.status_code == 429


@pytest.mark.django_db
def test_response_renders_the_refusal_with_its_status():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = refusals.response(request, refusals.NotAllowed("Only a site administrator may do this."))
    assert response.status_code == 403
    assert "Only a site administrator may do this." in response.content.decode()

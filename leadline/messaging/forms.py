from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.accounts.models import User
from leadline.messaging.policy import Standing

NOT_ALLOWED = _("Someone you chose may not discuss this participant.")


def person_label(user: User, standing: Standing | None = None) -> str:
    name = user.get_full_name() or user.username
    agency = getattr(user.agency, "name", "") if user.agency_id else ""
    parts = [name, str(user.role_label)] + ([agency] if agency else [])
    label = " · ".join(parts)
    if standing is not None and standing.outside:
        label += " " + str(_("(outside the program, under the participant's consent)"))
    return label


def _beyond_any_id(value: Any) -> bool:
    """A whole number no database id can be (a 20-digit member id): SQLite cannot even compare it (a 500
    before, issue #15 item 17), so it is refused as the choice it is not, before any query."""
    try:
        return not -(2**63) <= int(str(value).strip()) < 2**63
    except ValueError:
        return False  # not a number at all: the field's own check says so


class _PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj, self.standings.get(obj.pk))  # type: ignore[attr-defined]

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            if _beyond_any_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)  # type: ignore[misc]


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj, self.standings.get(obj.pk))  # type: ignore[attr-defined]

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and _beyond_any_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(value)


class ThreadForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"), max_length=200,
        help_text=_("Others see it in their list of threads: keep health and treatment out of it."),
    )  # fmt: skip
    members = _PeopleChoice(
        label=_("Who takes part"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": NOT_ALLOWED, "invalid_pk_value": NOT_ALLOWED,
                        "required": _("Choose at least one person to write to.")},
    )  # fmt: skip
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, people: list[tuple[Any, Standing]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _offer(self.fields["members"], people)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class MemberForm(forms.Form):
    member = _PersonChoice(
        label=_("Add someone"), queryset=None,
        error_messages={"invalid_choice": _("This person may not discuss this participant."),
                        "required": _("Choose someone to add.")},
    )  # fmt: skip

    def __init__(self, *args: Any, people: list[tuple[Any, Standing]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _offer(self.fields["member"], people)


def _offer(field: Any, people: list[tuple[Any, Standing]]) -> None:
    """Only the people who may discuss the participant now are choices: any other id (an officer's,
    forged into the form) is refused as an invalid choice, with a field error."""

    field.queryset = (
        User.objects.filter(pk__in=[p.pk for p, _s in people])
        .select_related("agency")
        .order_by("last_name", "first_name", "pk")
    )
    field.standings = {p.pk: s for p, s in people}

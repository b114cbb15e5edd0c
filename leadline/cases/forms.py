"""The case pages' forms: notes, contacts, the monthly status, the intake and the plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.cases.models import CaseNote, Contact, MonthlyStatus, PlanGoal, PlanItem, Progress
from leadline.participants.forms import PrefixedForm


class CaseNoteForm(PrefixedForm):
    id_prefix = "note"

    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=CaseNote.Sensitivity.choices)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, writable: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = [c for c in CaseNote.Sensitivity.choices if c[0] in writable]  # type: ignore[attr-defined]


class ContactForm(PrefixedForm):
    """Quick entry from a phone: a tap for the kind, a tap for reached, optional place and summary."""

    id_prefix = "contact"

    kind = forms.ChoiceField(label=_("Kind of contact"), widget=forms.RadioSelect)
    reached = forms.ChoiceField(
        label=_("Did you reach them?"), choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect
    )
    substantive = forms.BooleanField(label=_("Substantive (more than a hello)"), required=False)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    update_whereabouts = forms.BooleanField(
        label=_("Also make this place their last known whereabouts"), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    form = forms.CharField(widget=forms.HiddenInput, required=False, max_length=16)

    def __init__(
        self, *args: Any, place: bool, summary: bool, whereabouts: bool = False, which: str = "contact",
        **kwargs: Any,
    ):  # fmt: skip
        """``which`` "outreach" is the outreach attempt's form on the same page (issue #17): its own ids,
        "where they looked", and the same view; ``whereabouts``: the reader may update the whereabouts."""
        if which == "outreach":
            kwargs.setdefault("auto_id", "outreach_%s")
        super().__init__(*args, **kwargs)
        self.which = which
        self.fields["form"].initial = which
        self.fields["kind"].choices = Contact.Kind.choices  # type: ignore[attr-defined]
        if which == "outreach":
            self.fields["reached"].label = _("Did you find them?")
            self.fields["place"].label = _("Where you looked")
        if not place:
            del self.fields["place"]
        if not summary:
            del self.fields["summary"]
        if not (place and whereabouts):
            del self.fields["update_whereabouts"]


class MonthlyStatusForm(PrefixedForm):
    """One month's housing, employment and income or benefits (as the Seattle evaluation recorded them)."""

    id_prefix = "monthly"

    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    housing = forms.ChoiceField(label=_("Housing"))
    employed = forms.ChoiceField(label=_("Employed"))
    income_or_benefits = forms.ChoiceField(label=_("Any income or benefits"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["housing"].choices = MonthlyStatus.Housing.choices  # type: ignore[attr-defined]
        self.fields["employed"].choices = MonthlyStatus.YesNo.choices  # type: ignore[attr-defined]
        self.fields["income_or_benefits"].choices = MonthlyStatus.YesNo.choices  # type: ignore[attr-defined]


class IntakeForm(PrefixedForm):
    """The intake by domain: first which needs are acute (help now), then where things stand in each."""

    id_prefix = "intake"

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, domains: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for value, label in domains:
            self.fields[f"{value}_acute"] = forms.BooleanField(label=label, required=False)
        for value, label in domains:
            self.fields[f"{value}_situation"] = forms.CharField(
                label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.domains = domains

    def answers(self) -> dict[str, tuple[bool, str]]:
        d = self.cleaned_data
        return {v: (bool(d.get(f"{v}_acute")), d.get(f"{v}_situation", "")) for v, _label in self.domains}

    def acute_fields(self) -> list[Any]:
        return [self[f"{v}_acute"] for v, _label in self.domains]

    def situation_fields(self) -> list[Any]:
        return [self[f"{v}_situation"] for v, _label in self.domains]


class GoalForm(PrefixedForm):
    id_prefix = "goal"

    domain = forms.ChoiceField(label=_("Domain"))
    text = forms.CharField(label=_("The goal, in their words"), max_length=300)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, domains: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domains  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Where they are now"), coerce=int)
    state = forms.ChoiceField(label=_("The goal"))
    note = forms.CharField(label=_("A line about it"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = Progress.choices  # type: ignore[attr-defined]
        self.fields["state"].choices = PlanGoal.State.choices  # type: ignore[attr-defined]


class PlanItemForm(forms.Form):
    action = forms.CharField(label=_("Next step"), max_length=300)
    owner = forms.ChoiceField(label=_("Who"))
    due_on = forms.DateField(
        label=_("By when"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = PlanItem.Owner.choices  # type: ignore[attr-defined]


class CaseloadMoveForm(PrefixedForm):
    """A whole caseload moves at once (a case manager leaves): from whom, to whom, and why."""

    id_prefix = "move"

    from_manager: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Move every participant of"), queryset=None, empty_label=_("Choose")
    )
    to_manager: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("To"), queryset=None, empty_label=_("Choose")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False,
        help_text=_("Written on every participant's record, e.g. \"Casey left the program\"."),
    )  # fmt: skip

    def __init__(self, *args: Any, managers: Any, sizes: dict[int, int], hard: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("from_manager", "to_manager"):
            field = self.fields[name]
            field.queryset = managers  # type: ignore[attr-defined]
            field.label_from_instance = (  # type: ignore[attr-defined]
                lambda user: f"{user.get_full_name() or user.username} ({sizes.get(user.pk, 0)}/{hard})"
            )

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.accounts.policy import users_with_capability
from leadline.accounts.roles import Scope
from leadline.cases.models import CaseNote


class _Prefixed(forms.Form):
    """The participant's page holds several forms: each gets its own id prefix, so no two inputs share an
    id (labels point at the right field, and axe finds no duplicate ids)."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class CaseNoteForm(_Prefixed):
    id_prefix = "note"

    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=CaseNote.Sensitivity.choices)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, writable: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = [c for c in CaseNote.Sensitivity.choices if c[0] in writable]  # type: ignore[attr-defined]


class WhereaboutsForm(_Prefixed):
    id_prefix = "where"

    whereabouts = forms.CharField(label=_("Last known whereabouts"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusForm(_Prefixed):
    """A status change: where to, why, and (when leaving) the exit reason. Never a non-compliance state."""

    id_prefix = "status"

    to = forms.ChoiceField(label=_("New status"))
    exit_reason = forms.ChoiceField(label=_("Exit reason (when leaving LEAD)"), required=False)
    note = forms.CharField(label=_("Why"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, current: str, **kwargs: Any):
        from leadline.participants.models import TRANSITIONS, ExitReason, Participant

        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [  # type: ignore[attr-defined]
            (s, Participant.Status(s).label) for s in TRANSITIONS.get(current, ())
        ]
        self.fields["exit_reason"].choices = [("", _("Not leaving")), *ExitReason.choices]  # type: ignore[attr-defined]


class AssignForm(_Prefixed):
    id_prefix = "assign"

    case_manager: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Case manager"), queryset=None, empty_label=_("Choose")
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, sizes: dict[int, int], soft: int, hard: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["case_manager"]
        field.queryset = users_with_capability("caseload.view", scope=Scope.CASELOAD).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name"
        )

        def label(user: Any) -> str:
            n = sizes.get(user.pk, 0)
            state = _("full") if n >= hard else _("over the soft limit") if n >= soft else ""
            return f"{user.get_full_name()} ({n}/{hard}{', ' + str(state) if state else ''})"

        field.label_from_instance = label  # type: ignore[attr-defined]


class ContactForm(_Prefixed):
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
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, place: bool, summary: bool, **kwargs: Any):
        from leadline.cases.models import Contact

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Contact.Kind.choices  # type: ignore[attr-defined]
        if not place:
            del self.fields["place"]
        if not summary:
            del self.fields["summary"]


class MonthlyStatusForm(_Prefixed):
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
        from leadline.cases.models import MonthlyStatus

        super().__init__(*args, **kwargs)
        self.fields["housing"].choices = MonthlyStatus.Housing.choices  # type: ignore[attr-defined]
        self.fields["employed"].choices = MonthlyStatus.YesNo.choices  # type: ignore[attr-defined]
        self.fields["income_or_benefits"].choices = MonthlyStatus.YesNo.choices  # type: ignore[attr-defined]


class IntakeForm(_Prefixed):
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


class GoalForm(_Prefixed):
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
        from leadline.cases.models import PlanGoal, Progress

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
        from leadline.cases.models import PlanItem

        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = PlanItem.Owner.choices  # type: ignore[attr-defined]


LANGUAGES = [("en", "English"), ("es", "Español")]


class IdentityForm(_Prefixed):
    """The participant's identity. Aliases one per line: street names, former names, other spellings."""

    id_prefix = "identity"

    given_name = forms.CharField(label=_("Legal given name"), max_length=100)
    family_name = forms.CharField(label=_("Legal family name"), max_length=100)
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    aliases = forms.CharField(
        label=_("Other names (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("aliases", "").splitlines() if line.strip()]


class NewParticipantForm(IdentityForm):
    id_prefix = "new"

    none_of_these = forms.BooleanField(
        label=_("None of these is the person: create a new record"), required=False
    )

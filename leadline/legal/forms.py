from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.accounts.policy import users_with_capability
from leadline.accounts.roles import Scope
from leadline.legal.models import Charge, NewCharge
from leadline.legal.services import MAX_EXTENSION_DAYS


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days to add"), min_value=1, max_value=MAX_EXTENSION_DAYS,
        error_messages={"required": _("Say how many days to add.")},
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the participant is given more time.")},
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)


class RecordForm(forms.Form):
    """One court record entered by hand; which fields apply depends on the kind (records._check names
    the field that is wrong)."""

    docket = forms.CharField(label=_("Docket number"), max_length=60, required=False)
    court = forms.CharField(label=_("Court"), max_length=200, required=False)
    description = forms.CharField(label=_("Charges or description"), max_length=300, required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    reference = forms.CharField(label=_("Warrant number"), max_length=60, required=False)
    statute = forms.CharField(label=_("Statute"), max_length=60, required=False)
    degree = forms.ChoiceField(label=_("Degree"), required=False, choices=[])
    status = forms.CharField(required=False, widget=forms.HiddenInput)

    FIELDS = {
        "case": ("docket", "court", "description"),
        "court_date": ("date", "time", "court", "purpose", "docket"),
        "warrant": ("reference", "court", "date"),
        "new_charge": ("statute", "degree", "description", "date"),
    }

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

        self.kind = kind
        self.fields["degree"].choices = Charge.Degree.choices  # type: ignore[attr-defined]
        for name in list(self.fields):
            if name not in self.FIELDS.get(kind, ()) and name != "status":
                del self.fields[name]

    def values(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        for name in ("date", "time"):
            if data.get(name):
                data[name] = (
                    data[name].isoformat(timespec="minutes") if name == "time" else data[name].isoformat()
                )
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), error_messages={"required": _("Choose the CSV file to import.")}
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[], widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose a decision.")})  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Say why.")})  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

        choices = [c for c in NewCharge.Decision.choices if c[0] != "pending"]
        self.fields["decision"].choices = choices  # type: ignore[attr-defined]


class RemindersForm(forms.Form):
    court_reminders = forms.BooleanField(
        label=_("The participant agrees to a text message about two days before each court date"),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DefenderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} · {obj.agency.name}" if obj.agency_id else name


class DefenderForm(forms.Form):
    defender = DefenderChoice(
        label=_("Defender"), queryset=None, required=False, empty_label=_("No defender recorded")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["defender"]
        assert isinstance(field, DefenderChoice)
        field.queryset = (
            users_with_capability("legal_matter.view", scope=Scope.CLIENTS)  # the defenders
            .select_related("agency")
            .order_by("last_name", "first_name")
        )

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from leadline.cases.models import PlanGoal
from leadline.directory.models import Location, Schedule, Service, ServiceReferral, TaxonomyTerm
from leadline.directory.services import Hours, NewPlace

LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("ar", _("Arabic")), ("ne", _("Nepali")),
             ("so", _("Somali")), ("sw", _("Swahili")), ("vi", _("Vietnamese")), ("zh", _("Chinese")),
             ("asl", _("American Sign Language"))]  # fmt: skip
LANGUAGE_NAMES = dict(LANGUAGES)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    term = forms.ChoiceField(label=_("Kind of service"), required=False)
    language = forms.ChoiceField(label=_("Spoken in"), required=False, choices=[("", _("Any")), *LANGUAGES])
    open_only = forms.BooleanField(label=_("Only with places open now"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        terms = TaxonomyTerm.objects.select_related("parent").order_by("parent__name", "name")
        self.fields["term"].choices = [("", _("Any")), *[  # type: ignore[attr-defined]
            (t.code, f"{t.parent.name} › {t.name}" if t.parent else t.name) for t in terms
        ]]  # fmt: skip


class ServiceForm(forms.ModelForm):
    terms = forms.ModelMultipleChoiceField(
        label=_("Kinds of service"), queryset=TaxonomyTerm.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple, required=True,
    )  # fmt: skip
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=LANGUAGES, widget=forms.CheckboxSelectMultiple, required=False
    )
    url = forms.URLField(label=_("web page"), required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Service
        fields = ["name", "description", "status", "terms", "eligibility_description", "minimum_age",
                  "maximum_age", "application_process", "fees_description", "languages", "capacity",
                  "waitlist", "wait_time", "phone", "email", "url"]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "eligibility_description": forms.Textarea(attrs={"rows": 2}),
            "application_process": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "capacity": _("Places open now; leave empty if you do not count places."),
            "status": _("Temporarily closed keeps the listing; defunct retires it."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age cannot be below the minimum age."))
        return data


class PlaceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return ", ".join(part for part in (obj.name, obj.address_1, obj.city) if part)


class PlacesForm(forms.Form):
    """Where the service is offered: any of its organisation's places, and perhaps a new one. Only the
    organisation's own places can be chosen: any other id is refused as an invalid choice."""

    locations = PlaceChoiceField(
        label=_("Places where it is offered"), queryset=Location.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose only among the places listed here."),
                        "invalid_pk_value": _("Choose only among the places listed here.")},
    )  # fmt: skip
    new_name = forms.CharField(
        label=_("Name of the new place"), max_length=200, required=False,
        help_text=_("Leave empty unless the service is offered somewhere not listed above."),
    )  # fmt: skip
    new_address_1 = forms.CharField(label=_("Street address"), max_length=200, required=False)
    new_city = forms.CharField(label=_("City"), max_length=100, required=False)
    new_state_province = forms.CharField(label=_("State"), max_length=60, required=False)
    new_postal_code = forms.CharField(label=_("ZIP code"), max_length=20, required=False)
    new_transportation = forms.CharField(
        label=_("How to get there"), max_length=300, required=False,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Buses, parking, which door to use."),
    )  # fmt: skip

    NEW = ("name", "address_1", "city", "state_province", "postal_code", "transportation")

    def __init__(self, *args: Any, organization: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        places = organization.locations.order_by("name", "id") if organization else Location.objects.none()
        self.fields["locations"].queryset = places  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("new_name") and any(data.get(f"new_{key}") for key in self.NEW[1:]):
            self.add_error("new_name", _("Give the new place a name, or clear its address."))
        return data

    def new_location(self) -> NewPlace | None:
        data = self.cleaned_data
        if not data.get("new_name"):
            return None
        return NewPlace(**{key: data.get(f"new_{key}", "") for key in self.NEW})


DAY_CHOICES = [(code, WEEKDAYS[index]) for index, code in enumerate(Schedule.DAYS)]
DAY_NAMES = dict(DAY_CHOICES)


def days_text(byday: str) -> str:
    """The days of a schedule ("MO,TU,WE,TH,FR,SU") as a reader says them ("Monday–Friday, Sunday"), in
    their language (Django's own day names). Three or more days in a row read as a range."""
    codes = [code for code in Schedule.DAYS if code in byday.split(",")]
    runs: list[list[str]] = []
    for code in codes:
        if runs and Schedule.DAYS.index(runs[-1][-1]) == Schedule.DAYS.index(code) - 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}–{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(str(DAY_NAMES[code]) for code in run)
    return ", ".join(parts)


def _time_field(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label, required=False, input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        error_messages={"invalid": _("Enter the time as HH:MM, for example 09:30 or 17:00.")},
    )  # fmt: skip


class HoursForm(forms.Form):
    """One row of opening hours. Both times, or neither and a note saying when (“By appointment”); a
    service open overnight takes two rows (20:00–23:59, then 00:00–08:00 the next day). A row left
    wholly empty is no row."""

    id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    days = forms.MultipleChoiceField(
        label=_("Days"), choices=DAY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    opens_at = _time_field(_("Opens"))
    closes_at = _time_field(_("Closes"))
    description = forms.CharField(label=_("Notes"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if self.is_empty() and not self.errors:
            return data
        if self.initial and not self.has_changed():
            return data  # a saved row nobody touched (perhaps imported, overnight): not this edit's to judge
        if not data.get("days"):
            self.add_error("days", _("Tick at least one day."))
        if self.has_error("opens_at") or self.has_error("closes_at"):
            return data  # a time that is not HH:MM: said already
        if opens and not closes:
            self.add_error("closes_at", _("Give the closing time too, or clear the opening time."))
        elif closes and not opens:
            self.add_error("opens_at", _("Give the opening time too, or clear the closing time."))
        elif opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        elif not opens and not closes and not data.get("description"):
            self.add_error("description", _("Without times, say here when it is open, for example “By "
                                            "appointment”."))  # fmt: skip
        return data

    def is_empty(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(key) for key in ("days", "opens_at", "closes_at", "description"))


class BaseHoursFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if DELETION_FIELD_NAME in form.fields:
            form.fields[DELETION_FIELD_NAME].label = _("Remove these hours")

    def hours(self) -> list[Hours]:
        """The rows to keep, in the form's order: without those ticked for removal, and without empty ones
        (clearing a row is another way to remove it)."""
        rows = []
        for form in self.forms:
            if form in self.deleted_forms or form.is_empty():  # an untouched blank row is empty
                continue
            data = form.cleaned_data
            rows.append(Hours(
                byday=",".join(code for code in Schedule.DAYS if code in data["days"]),
                opens_at=data.get("opens_at"), closes_at=data.get("closes_at"),
                description=data.get("description", ""), id=data.get("id"),
            ))  # fmt: skip
        return rows


# Three blank rows to fill in, no JavaScript to add more; a row already saved can be ticked for removal.
HoursFormSet = cast("type[BaseHoursFormSet]", forms.formset_factory(
    HoursForm, formset=BaseHoursFormSet, extra=3, can_delete=True, can_delete_extra=False, max_num=28,
    validate_max=True, absolute_max=40,
))  # fmt: skip


class ReferForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    goal = forms.ModelChoiceField(
        label=_("For the plan goal"), queryset=Service.objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("What for, in a sentence for the provider"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The provider reads this only if the participant's consent names them."),
    )  # fmt: skip
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, participant: Any, services: Any, **kwargs: Any):

        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services.order_by("name")  # type: ignore[attr-defined]
        self.fields["goal"].queryset = PlanGoal.objects.filter(  # type: ignore[attr-defined]
            participant=participant, state=PlanGoal.State.OPEN
        )
        self.fields["goal"].label_from_instance = lambda g: g.text  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=ServiceReferral.Status.choices)
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)
    outcome = forms.CharField(label=_("Outcome"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why cancel"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.directory.models import Service, ServiceReferral, TaxonomyTerm

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
        from leadline.cases.models import PlanGoal

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

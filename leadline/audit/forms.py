from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data and data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date is before the start date."))
        return data


class BreakGlassForm(forms.Form):
    participant_id = forms.IntegerField(label=_("Participant number"), min_value=1)
    reason = forms.CharField(
        label=_("Written reason"), widget=forms.Textarea(attrs={"rows": 3}), min_length=20, max_length=2000
    )
    minutes = forms.IntegerField(
        label=_("Minutes of access"),
        min_value=1,
        max_value=settings.LEADLINE_BREAK_GLASS_MAX_MINUTES,
        initial=15,
    )


class FindForm(forms.Form):
    """The index's shortcut to one participant's or one user's trail, by number."""

    participant = forms.IntegerField(label=_("Participant number"), min_value=1, required=False)
    user = forms.IntegerField(label=_("User number"), min_value=1, required=False)


class CandidateSearchForm(forms.Form):
    """Break-glass: find the participant by name (or number) before opening access."""

    q = forms.CharField(label=_("Name or participant number"), min_length=2, max_length=100, strip=True)

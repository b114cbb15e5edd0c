"""The period a reading of the audit trail covers, as whole local days: the law-enforcement report
(oversight) and the policy pack's aggregates (workgroup) ask for it the same way (decision 0024). It stays
here, at the bottom, so that both can use it; the reports' other forms are in oversight.forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data and data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date is before the start date."))
        return data

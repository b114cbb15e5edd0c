from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.cases.models import CaseNote


class CaseNoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=CaseNote.Sensitivity.choices)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, writable: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = [c for c in CaseNote.Sensitivity.choices if c[0] in writable]  # type: ignore[attr-defined]


class WhereaboutsForm(forms.Form):
    whereabouts = forms.CharField(label=_("Last known whereabouts"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

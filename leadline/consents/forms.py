from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.consents.models import Consent
from leadline.participants.forms import _Prefixed


class ConsentForm(_Prefixed):
    id_prefix = "consent"

    kind = forms.ChoiceField(choices=Consent.Kind.choices, widget=forms.HiddenInput)
    method = forms.ChoiceField(
        label=_("How did the participant give it?"), choices=Consent.Method.choices, widget=forms.RadioSelect
    )
    expires_on = forms.DateField(
        label=_("Expires (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RevokeForm(_Prefixed):
    id_prefix = "revoke"

    note = forms.CharField(label=_("How did the participant revoke it?"), min_length=3, max_length=500)

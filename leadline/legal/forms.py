from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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

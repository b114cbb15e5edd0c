from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.notifications.models import Notification, Preference

MUTABLE = [(k.value, k.label) for k in Notification.Kind
           if k not in (Notification.Kind.HANDOFF_PAGE, Notification.Kind.ACCOUNT)]  # fmt: skip


class PreferenceForm(forms.ModelForm):
    muted_kinds = forms.MultipleChoiceField(
        label=_("Tell me these in Leadline only (no email or SMS)"), choices=MUTABLE, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Hand-off pages always reach you by SMS when you have a phone number, at any hour."),
    )  # fmt: skip
    quiet_from = forms.TimeField(label=_("Quiet hours from"), required=False, input_formats=["%H:%M"],
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    quiet_until = forms.TimeField(label=_("until"), required=False, input_formats=["%H:%M"],
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Preference
        fields = ["by_email", "by_sms", "muted_kinds", "quiet_from", "quiet_until"]
        labels = {"by_email": _("Tell me by email"), "by_sms": _("Tell me by SMS")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if (start is None) != (end is None):
            self.add_error("quiet_until" if start else "quiet_from",
                           _("Give both ends of the quiet hours, or neither."))  # fmt: skip
        elif start is not None and start == end:
            self.add_error("quiet_until", _("The quiet hours must end at another time than they start."))
        return data

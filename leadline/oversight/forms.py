"""The reports' number search and the break-glass page's two forms. The period form is audit.forms's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def _written_reason() -> forms.CharField:
    """The written reason break-glass asks for: the same field for the search and the access."""
    return forms.CharField(
        label=_("Written reason"), widget=forms.Textarea(attrs={"rows": 3}), min_length=20, max_length=2000
    )


class BreakGlassForm(forms.Form):
    participant_id = forms.IntegerField(label=_("Participant number"), min_value=1)
    reason = _written_reason()
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
    """Break-glass: find the participant before opening access (decision 0033). Sent by POST (never in a
    URL, a browser's history or a proxy's log), with the written reason break-glass asks for, and enough
    to name one person: given and family name, or a family name of at least three letters with the date
    of birth."""

    reason = _written_reason()
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False, strip=True)
    family_name = forms.CharField(label=_("Family name"), min_length=2, max_length=100, strip=True)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        family = data.get("family_name") or ""
        enough_without_given = len(family) >= 3 and data.get("date_of_birth")
        if family and not data.get("given_name") and not enough_without_given:
            self.add_error(
                "given_name",
                _("Write the given name too, or a family name of at least 3 letters with the date of birth."),
            )
        return data

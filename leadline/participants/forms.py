from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.accounts.models import User
from leadline.accounts.policy import users_with_capability
from leadline.accounts.roles import Scope
from leadline.participants.models import TRANSITIONS, ExitReason, Participant


class PrefixedForm(forms.Form):
    """The participant's page holds several forms: each gets its own id prefix, so no two inputs share an
    id (labels point at the right field, and axe finds no duplicate ids)."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class WhereaboutsForm(PrefixedForm):
    id_prefix = "where"

    whereabouts = forms.CharField(label=_("Last known whereabouts"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusForm(PrefixedForm):
    """A status change: where to, why, and (when leaving) the exit reason. Never a non-compliance state."""

    id_prefix = "status"

    to = forms.ChoiceField(label=_("New status"))
    exit_reason = forms.ChoiceField(label=_("Exit reason (when leaving LEAD)"), required=False)
    note = forms.CharField(label=_("Why"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, current: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [  # type: ignore[attr-defined]
            (s, Participant.Status(s).label) for s in TRANSITIONS.get(current, ())
        ]
        self.fields["exit_reason"].choices = [("", _("Not leaving")), *ExitReason.choices]  # type: ignore[attr-defined]


class AssignForm(PrefixedForm):
    id_prefix = "assign"

    case_manager: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Case manager"), queryset=None, empty_label=_("Choose")
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, sizes: dict[int, int], soft: int, hard: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["case_manager"]
        field.queryset = users_with_capability("caseload.view", scope=Scope.CASELOAD).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name"
        )

        def label(user: User) -> str:
            n = sizes.get(user.pk, 0)
            state = _("full") if n >= hard else _("over the soft limit") if n >= soft else ""
            return f"{user.get_full_name()} ({n}/{hard}{', ' + str(state) if state else ''})"

        field.label_from_instance = label  # type: ignore[attr-defined]


LANGUAGES = [("en", "English"), ("es", "Español")]


class IdentityForm(PrefixedForm):
    """The participant's identity. Aliases one per line: street names, former names, other spellings."""

    id_prefix = "identity"

    given_name = forms.CharField(label=_("Legal given name"), max_length=100)
    family_name = forms.CharField(label=_("Legal family name"), max_length=100)
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    aliases = forms.CharField(
        label=_("Other names (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("aliases", "").splitlines() if line.strip()]


class NewParticipantForm(IdentityForm):
    id_prefix = "new"

    none_of_these = forms.BooleanField(
        label=_("None of these is the person: create a new record"), required=False
    )

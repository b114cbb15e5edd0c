from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.core.clock import zone_name
from leadline.workgroup.models import AgendaItem, Meeting, Member

LOCAL = ["%Y-%m-%dT%H:%M"]


def _local_input(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=LOCAL,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL[0]),
    )


class MeetingForm(forms.Form):
    starts_at = _local_input(_("Starts"))
    ends_at = _local_input(_("Ends"))
    place = forms.CharField(label=_("Place or call link"), max_length=300)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Meeting.Status.choices, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return data


def site_aware(value: datetime) -> datetime:
    """A time typed in the site's zone (the form's fields are naive when USE_TZ parsing is local)."""

    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone_name()))


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 8}), required=False, max_length=20000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("About the agenda item"), queryset=AgendaItem.objects.none(), required=False
    )
    text = forms.CharField(label=_("Decision"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    action_text = forms.CharField(label=_("Action item: what is to be done"), max_length=300, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, meeting: Meeting, labels: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = meeting.items.all()  # type: ignore[attr-defined]
        self.fields["item"].label_from_instance = lambda i: labels.get(i.pk, str(i))  # type: ignore[attr-defined]
        members = Member.objects.filter(active=True).values_list("user_id", flat=True)
        self.fields["owner"].queryset = User.objects.filter(pk__in=members, is_active=True).order_by(  # type: ignore[attr-defined]
            "first_name", "last_name"
        )
        self.fields["owner"].label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.get_full_name() or u.get_username()} ({u.agency.name if u.agency_id else '—'})"
        )


class DoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any):

        super().__init__(*args, **kwargs)
        already = Member.objects.filter(active=True).values_list("user_id", flat=True)
        eligible = [
            u.pk
            for u in User.objects.filter(is_active=True).exclude(pk__in=already)
            if policy.can(u, "workgroup.view")
        ]
        people = User.objects.filter(pk__in=eligible).order_by("agency__name", "last_name")
        self.fields["user"].queryset = people  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.get_full_name() or u.get_username()} — {u.agency.name if u.agency_id else '—'}"
        )

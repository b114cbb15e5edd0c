"""The officer's referral form: at most ten required fields, pick-lists over typing."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.referrals.models import Referral
from leadline.sites.models import EligibleOffence, PolicyVersion

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ReferralForm(forms.Form):
    door = forms.ChoiceField(
        label=_("How are you referring?"),
        choices=[c for c in Referral.Door.choices if c[0] != Referral.Door.COMMUNITY],
        widget=forms.RadioSelect,
    )
    given_name = forms.CharField(
        label=_("Given name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    family_name = forms.CharField(
        label=_("Family name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    stated_age = forms.IntegerField(
        label=_("Or their age, if no date of birth"),
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    offence: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Offence"),
        queryset=EligibleOffence.objects.none(),
        required=False,
        empty_label=_("Choose the offence"),
    )
    drug_quantity_grams = forms.DecimalField(
        label=_("Drug quantity (grams)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    verification = forms.ChoiceField(
        label=_("Risk of arrest verified by"),
        required=False,
        choices=[("", _("Choose")), *Referral.Verification.choices],
    )
    verified_on = forms.DateField(
        label=_("Date of the verified activity"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    inside_catchment = forms.ChoiceField(
        label=_("Inside the catchment area?"), required=False, choices=YES_NO, widget=forms.RadioSelect
    )
    exclusions_flagged = forms.MultipleChoiceField(
        label=_("Do any of these apply?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    person_agrees = forms.ChoiceField(
        label=_("Does the person agree to LEAD?"), choices=YES_NO, widget=forms.RadioSelect
    )
    aggrieved_party = forms.ChoiceField(
        label=_("Aggrieved party"), choices=Referral.AggrievedParty.choices, widget=forms.RadioSelect
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, policy_version: PolicyVersion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.policy_version = policy_version
        self.fields["offence"].queryset = policy_version.offences.all()  # type: ignore[attr-defined]
        self.fields["exclusions_flagged"].choices = [  # type: ignore[attr-defined]
            (e.code, e.description) for e in policy_version.exclusions.all()
        ]
        if policy_version.aggrieved_party_agreement_required:
            self.fields["aggrieved_party"].help_text = _(
                "If an aggrieved party is present and declines, LEAD cannot take this referral."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        door = data.get("door")
        if not data.get("date_of_birth") and data.get("stated_age") is None:
            self.add_error("date_of_birth", _("Give the date of birth, or the age if they do not know it."))
        if door == Referral.Door.ARREST_DIVERSION:
            offence = data.get("offence")
            if offence is None:
                self.add_error("offence", _("Choose the offence for an arrest diversion."))
            elif (
                offence.drug_quantity_cap_applies
                and self.policy_version.drug_quantity_cap_grams is not None
                and data.get("drug_quantity_grams") is None
            ):
                self.add_error(
                    "drug_quantity_grams", _("This offence has a quantity cap: give the quantity.")
                )
        if door == Referral.Door.SOCIAL_CONTACT:
            if not data.get("verification"):
                self.add_error("verification", _("Say how the risk of arrest was verified."))
            if not data.get("verified_on"):
                self.add_error("verified_on", _("Give the date of the verified activity."))
            if not data.get("inside_catchment"):
                self.add_error("inside_catchment", _("Say whether it was inside the catchment area."))
        return data


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the override"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommunityReferralForm(forms.Form):
    """A partner organisation's referral: who, why, and whether the person agrees to be contacted."""

    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    stated_age = forms.IntegerField(
        label=_("Or their age, if no date of birth"), required=False, min_value=0, max_value=120
    )
    concern = forms.CharField(
        label=_("Why you are referring"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you have seen; no medical details."),
    )  # fmt: skip
    place = forms.CharField(label=_("Where they can be found"), max_length=200, required=False)
    person_agrees = forms.ChoiceField(
        label=_("Does the person agree to be contacted by LEAD?"), choices=YES_NO, widget=forms.RadioSelect
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("date_of_birth") and data.get("stated_age") is None:
            self.add_error("date_of_birth", _("Give the date of birth, or the age if they do not know it."))
        return data


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    """Assign a waiting referral (issue #17, item 3): a case manager, and who the person is (one of the
    matcher's candidates, or a new participant made from the referral)."""

    case_manager = forms.TypedChoiceField(label=_("Case manager"), coerce=int, widget=forms.RadioSelect)
    participant = forms.ChoiceField(label=_("Who this person is"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, managers: list[Any], candidates: list[Any], new: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["case_manager"]).choices = [
            (m.user.pk, m.user.get_full_name()) for m in managers
        ]
        cast(forms.ChoiceField, self.fields["participant"]).choices = [
            (str(c.pk), c.display_name) for c in candidates
        ] + [(new, _("A new participant"))]
        self.fields["case_manager"].error_messages["required"] = _("Choose the case manager.")
        self.fields["participant"].error_messages["required"] = _(
            "Choose one of the people listed, or a new participant."
        )
        self.fields["participant"].error_messages["invalid_choice"] = _(
            "The record chosen is not among the people this person may be (any more); choose again."
        )
        self.fields["case_manager"].error_messages["invalid_choice"] = _(
            "Choose one of the active case managers listed."
        )

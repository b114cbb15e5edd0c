from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.accounts.models import Agency
from leadline.consents.documents import DocumentRefused, drawn_signature, uploaded_document
from leadline.consents.models import Consent, DisclosureRestriction
from leadline.consents.policy import KIND_INFO, KIND_RECIPIENTS, REQUIRED_INFO, Info
from leadline.consents.services import RECIPIENT_AGENCY_KIND
from leadline.participants.forms import PrefixedForm


class ConsentForm(PrefixedForm):
    """The quick officer-feedback opt-in on the participant's page."""

    id_prefix = "consent"

    kind = forms.ChoiceField(choices=Consent.Kind.choices, widget=forms.HiddenInput)
    method = forms.ChoiceField(
        label=_("How did the participant give it?"), choices=Consent.Method.choices, widget=forms.RadioSelect
    )
    housed = forms.BooleanField(
        label=_("Also tell the officer whether they are housed (from the monthly status)"), required=False
    )
    expires_on = forms.DateField(
        label=_("Expires (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SignatureFields(PrefixedForm):
    """A signature: drawn on the screen (the pad fills ``signature``) or a signed paper uploaded."""

    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=600_000)
    upload = forms.FileField(
        label=_("Or upload the signed paper (PDF, PNG or JPEG, up to 5 MB)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )  # fmt: skip
    signed_by_name = forms.CharField(label=_("Signed by (if not the participant's own name)"), required=False,
                                     max_length=200)  # fmt: skip
    signer_relationship = forms.CharField(
        label=_("If a representative signs: their authority (e.g. legal guardian)"), required=False,
        max_length=100,
    )  # fmt: skip

    def document(self) -> Any:
        """The signature as a checked document, or None; adds a form error naming the field."""

        drawn, upload = self.cleaned_data.get("signature") or "", self.cleaned_data.get("upload")
        try:
            if upload:
                return uploaded_document(upload)
            if drawn:
                return drawn_signature(drawn)
        except DocumentRefused as exc:
            self.add_error("upload" if upload else "signature", exc.message)
        return None


class Part2ConsentForm(SignatureFields):
    id_prefix = "p2"

    recipient_kind = forms.ChoiceField(label=_("To whom"), widget=forms.RadioSelect)
    recipient_agency = forms.ModelChoiceField(
        label=_("Recipient organisation"), queryset=Agency.objects.none()
    )
    categories = forms.MultipleChoiceField(label=_("What information"), widget=forms.CheckboxSelectMultiple)
    purpose = forms.CharField(label=_("Purpose"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))
    expiry_event = forms.CharField(
        label=_("Or ends at this event, if sooner (optional)"), required=False, max_length=300
    )
    irrevocable = forms.BooleanField(
        label=_("Irrevocable until a date or event (42 CFR 2.35)"), required=False
    )
    irrevocable_until = forms.DateField(
        label=_("Irrevocable until (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    irrevocable_event = forms.CharField(
        label=_("Irrevocable until (event), e.g. final disposition of the charge"), required=False,
        max_length=300,
    )  # fmt: skip

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)

        self.kind = kind
        recipient_kinds = KIND_RECIPIENTS[kind]
        self.fields["recipient_kind"].choices = [  # type: ignore[attr-defined]
            (k, Consent.RecipientKind(k).label) for k in recipient_kinds
        ]
        if len(recipient_kinds) == 1:
            self.fields["recipient_kind"].initial = recipient_kinds[0]
        self.fields["recipient_agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            is_active=True, kind__in=[RECIPIENT_AGENCY_KIND[k] for k in recipient_kinds]
        ).order_by("name")
        self.fields["categories"].choices = [(c, Info(c).label) for c in KIND_INFO[kind]]  # type: ignore[attr-defined]
        self.fields["categories"].initial = list(REQUIRED_INFO[kind])
        self.required_info = REQUIRED_INFO[kind]
        if kind != Consent.Kind.CRIMINAL_JUSTICE:
            for name in ("irrevocable", "irrevocable_until", "irrevocable_event"):
                del self.fields[name]

    def clean_categories(self) -> list[str]:
        return sorted(set(self.cleaned_data["categories"]) | set(self.required_info))


class SignForm(SignatureFields):
    id_prefix = "sign"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("signature") and not data.get("upload"):
            self.add_error("signature", _("Sign in the box, or upload the signed paper."))
        return data


class RevokeForm(SignatureFields):
    id_prefix = "revoke"

    note = forms.CharField(label=_("How did the participant revoke it?"), min_length=3, max_length=500)


class EventForm(PrefixedForm):
    id_prefix = "event"

    which = forms.ChoiceField(
        choices=[
            ("irrevocable", _("The event it was irrevocable until")),
            ("expiry", _("The event it ends at")),
        ],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(label=_("What happened, and when"), min_length=3, max_length=500)


def _date_widget() -> forms.DateInput:
    # ISO whatever the language: an <input type=date> rejects anything else (issue #15, item 1).
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccountingRequestForm(PrefixedForm):
    """A request for an accounting of disclosures (42 CFR 2.25)."""

    id_prefix = "acct"

    requested_by_name = forms.CharField(label=_("Who asked"), max_length=200)
    requester_relationship = forms.CharField(
        label=_("If not the participant: their authority (e.g. legal guardian)"),
        required=False,
        max_length=100,
    )
    received_on = forms.DateField(label=_("Request received on"), widget=_date_widget())
    period_start = forms.DateField(
        label=_("Disclosures since (empty: the three years before the request)"), required=False,
        widget=_date_widget(),
    )  # fmt: skip
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class AccountingExtendForm(PrefixedForm):
    id_prefix = "extend"

    reason = forms.CharField(
        label=_("Why the answer is late (as written to the participant)"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    told_on = forms.DateField(label=_("The participant was told in writing on"), widget=_date_widget())


RESTRICTABLE_AGENCIES = [Agency.Kind.PROSECUTOR, Agency.Kind.DEFENDER, Agency.Kind.SERVICE_PROVIDER]


class RestrictionForm(PrefixedForm):
    """A participant's request to restrict a disclosure (42 CFR 2.26), with the program's answer."""

    id_prefix = "restrict"

    categories = forms.MultipleChoiceField(
        label=_("What must not be disclosed"), choices=Info.choices, widget=forms.CheckboxSelectMultiple
    )
    recipient_kind = forms.ChoiceField(label=_("To whom"), choices=Consent.RecipientKind.choices)
    recipient_agency = forms.ModelChoiceField(
        label=_("Only this organisation (empty: every one of that kind)"), required=False,
        queryset=Agency.objects.filter(is_active=True, kind__in=RESTRICTABLE_AGENCIES).order_by("name"),
    )  # fmt: skip
    request_text = forms.CharField(
        label=_("The request, in the participant's words"), max_length=600,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    requested_on = forms.DateField(label=_("Asked on"), widget=_date_widget())
    decision = forms.ChoiceField(
        label=_("The program's answer"),
        choices=DisclosureRestriction.Decision.choices,
        widget=forms.RadioSelect,
    )
    decision_reason = forms.CharField(label=_("Reason for the answer"), max_length=500)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class RestrictionLiftForm(PrefixedForm):
    id_prefix = "lift"

    reason = forms.CharField(label=_("Why it ends"), max_length=500)

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from leadline.accounts.decorators import AuthedApiRequest, AuthedRequest, capability_required
from leadline.core.api import LeadlineApi, errors
from leadline.participants.lookup import RateLimited, lookup_for


class LookupForm(forms.Form):
    given_name = forms.CharField(
        label=_("Given name or nickname"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    family_name = forms.CharField(
        label=_("Family name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth (if known)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@capability_required("lookup.view")
@require_http_methods(["GET", "POST"])
def lookup(request: AuthedRequest) -> HttpResponse:
    """A POST, so the names typed never appear in a URL, a browser history or a log."""
    form = LookupForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = lookup_for(
                user=request.user,
                given=form.cleaned_data["given_name"],
                family=form.cleaned_data["family_name"],
                dob=form.cleaned_data["date_of_birth"],
            )
        except RateLimited:
            return render(
                request, "participants/lookup.html", {"form": form, "rate_limited": True}, status=429
            )
        form = LookupForm()  # the next lookup starts empty
    status_code = 400 if request.method == "POST" and form.errors else 200
    return render(request, "participants/lookup.html", {"form": form, "result": result}, status=status_code)


class LookupIn(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)


class LookupOut(serializers.Serializer):
    enrolled = serializers.BooleanField()
    lead_line = serializers.CharField()


class LookupApi(LeadlineApi):
    """Is this person in LEAD? Only yes/no and the LEAD line, as on the page."""

    @extend_schema(request=LookupIn, responses={200: LookupOut, **errors(403, 429)}, operation_id="lookup")
    def post(self, request: AuthedApiRequest) -> Response:
        body = LookupIn(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        # Not allowed (403) and too many lookups (429) are refusals: core.api.exception_handler answers them.
        result = lookup_for(
            user=request.user, given=d["given_name"], family=d["family_name"], dob=d.get("date_of_birth")
        )
        return Response({"enrolled": result.enrolled, "lead_line": result.lead_line})

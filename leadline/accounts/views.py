"""Sign-in, two-factor set-up and verification, sign-out, and a user's own API tokens."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from leadline.accounts import services
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.accounts.forms import APITokenForm, OTPCodeForm, SignInForm
from leadline.accounts.models import APIToken, CredentialReset
from leadline.core import clock, refusals


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    # A path on this site only: anything else ("x", a date) would be taken by redirect() for a view's
    # name, and fail as a 500 (issue #15 item 17's sweep of hostile query values).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def mfa(request: AuthedRequest) -> HttpResponse:
    """Set up an authenticator (first time) or verify a code (every sign-in)."""
    user = request.user
    if user.is_verified():  # type: ignore[attr-defined]  # django_otp.middleware.OTPMiddleware adds it
        return redirect(_safe_next(request))
    device, setting_up = services.mfa_device_for(user=user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = services.mfa_verify(user=user, device=device, code=form.cleaned_data["code"])
        if verified is not None:
            otp_login(request, verified)
            return redirect(_safe_next(request))
        form.add_error("code", _("That code is not right, or it has expired. Try the current one."))
    context = {"form": form, "setting_up": setting_up, "next": _safe_next(request)}
    if setting_up:
        uri = device.config_url
        svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
        context["qr_data_uri"] = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/mfa.html", context)


@capability_required("api_token.view")
@require_http_methods(["GET", "POST"])
def tokens(request: AuthedRequest) -> HttpResponse:
    form = APITokenForm(request.POST or None, user=request.user)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
            )
            form = APITokenForm(user=request.user)
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
    own_tokens = APIToken.objects.filter(user_id=int(request.user.pk or 0))
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": own_tokens, "new_secret": new_secret}
    )


@capability_required("api_token.edit")
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(APIToken, pk=token_id, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")


RESET_LINK_KEY = "ll_reset_link"  # the approved password reset this browser opened a link for


def _link_reset(request: HttpRequest) -> CredentialReset | None:
    reset_id = request.session.get(RESET_LINK_KEY)
    if not reset_id:
        return None
    return (
        CredentialReset.objects.filter(
            pk=reset_id,
            kind=CredentialReset.Kind.PASSWORD,
            approved_at__isnull=False,
            completed_at__isnull=True,
            link_expires_at__gt=clock.now(),
        )
        .select_related("user")
        .first()
    )


@require_GET
def reset_link(request: HttpRequest, secret: str) -> HttpResponse:
    """The one-time link an approved password reset emails to its holder. The secret is traded for a
    place in this browser's session at once, so it never sits in later addresses, logs or the audit
    trail. Only its holder uses it: anyone else signed in (an administrator above all) is refused."""
    reset = services.credential_reset_for_link(secret=secret)
    if request.user.is_authenticated and (reset is None or request.user.pk != reset.user_id):
        raise PermissionDenied
    if reset is None:
        raise Http404
    request.session[RESET_LINK_KEY] = reset.pk
    return redirect("accounts:reset_password")


@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest) -> HttpResponse:
    reset = _link_reset(request)
    if request.user.is_authenticated and (reset is None or request.user.pk != reset.user_id):
        raise PermissionDenied
    if reset is None:
        raise Http404
    form = SetPasswordForm(reset.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_reset_complete(reset_id=reset.pk, password=form.cleaned_data["new_password1"])
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            logout(request)  # the account's sessions ended with the reset, this one too: start afresh
            messages.success(request, _("Your new password is set. Sign in with it."))
            return redirect("accounts:login")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/reset_password.html", {"form": form, "holder": reset.user}, status=status
    )

"""Sign-in security (CJIS 5.6, OWASP ASVS L2): lockout, idle lock, lifetime, MFA on every view,
disabling a user, password rules, headers, and a clean `check --deploy` in production."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadline.accounts.models import UserSession
from leadline.accounts.services import api_token_create, user_deactivate
from leadline.core import clock
from leadline.demo.testing import PASSWORD, verified_client

ROOT = Path(__file__).resolve().parents[3]


def _sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- lockout ---------------------------------------------------------------------------------------


def test_five_failures_lock_the_username_even_with_the_right_password_then_the_cool_off_ends(small_world):
    client = Client()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        for _ in range(5):
            _sign_in(client, "carmen", "not-the-password")
        locked = _sign_in(client, "carmen")
        assert locked.status_code == 429
        assert b"Account locked" in locked.content
        # From another address too: the lockout is by username.
        assert _sign_in(Client(REMOTE_ADDR="198.51.100.9"), "carmen").status_code == 429
        # Another user is not affected.
        assert _sign_in(Client(), "omar").status_code == 302
        traveller.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert _sign_in(client, "carmen").status_code == 302


def test_four_failures_do_not_lock(small_world):
    client = Client()
    for _ in range(4):
        assert _sign_in(client, "carmen", "nope-nope-nope").status_code == 200
    assert _sign_in(client, "carmen").status_code == 302


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(small_world):
    response = _sign_in(Client(), "carmen", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


# --- sessions --------------------------------------------------------------------------------------


def test_thirty_minutes_idle_locks_the_session(small_world):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        client = verified_client(small_world["case_manager"])
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity resets the idle clock
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert client.get("/").status_code == 302  # really signed out, not just redirected once


def test_the_absolute_lifetime_ends_a_session_even_when_it_is_busy(small_world):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        client = verified_client(small_world["case_manager"])
        steps = int(settings.LEADLINE_SESSION_ABSOLUTE / timedelta(minutes=20)) + 1
        last = None
        for _ in range(steps):
            traveller.shift(timedelta(minutes=20))
            last = client.get("/")
        assert last is not None and last.status_code == 302


def test_an_expired_session_on_the_api_gets_401(small_world):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        client = verified_client(small_world["case_manager"])
        traveller.shift(timedelta(minutes=31))
        assert client.get("/api/v1/me/").status_code == 401


def test_disabling_a_user_ends_every_session_and_revokes_tokens(small_world):
    carmen = small_world["case_manager"]
    phone, laptop = verified_client(carmen), verified_client(carmen)
    _token, secret = api_token_create(actor=carmen, name="rms", scopes=["participant_card.view"], days=30)
    assert UserSession.objects.filter(user=carmen).count() == 2
    user_deactivate(actor=small_world["site_admin"], user=carmen, reason="left the agency")
    assert not Session.objects.filter(session_key__in=[phone.session.session_key, laptop.session.session_key])
    assert phone.get("/").status_code == 302 and laptop.get("/").status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 401
    assert _sign_in(Client(), "carmen").status_code == 200  # the form again: inactive cannot sign in


# --- MFA -------------------------------------------------------------------------------------------


def test_every_view_requires_mfa_after_the_password(world):
    client = Client()
    assert _sign_in(client, "paula").status_code == 302
    for path in ["/", "/participants/", f"/participants/{world.mine.pk}/", "/audit/", "/site/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/"), path
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_mfa_enrolment_and_verification_with_a_real_totp_code(small_world):
    client = Client()
    _sign_in(client, "paula")
    page = client.get("/accounts/mfa/")
    assert page.status_code == 200 and b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user=small_world["program_manager"], confirmed=False)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        wrong = client.post("/accounts/mfa/", {"code": "000000" if _code(device) != "000000" else "111111"})
        assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
        # django-otp throttles after a failure (1 s, doubling): right away even the right code is refused.
        device.refresh_from_db()
        assert client.post("/accounts/mfa/", {"code": _code(device)}).status_code == 200
        traveller.shift(timedelta(seconds=5))
        device.refresh_from_db()
        ok = client.post("/accounts/mfa/", {"code": _code(device), "next": "/participants/"})
        assert ok.status_code == 302 and ok["Location"] == "/participants/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/participants/").status_code == 200
    # Each try is audited by the service that checks it, the enrolment with the device's confirmation.
    from leadline.audit.models import AuditEvent

    tries = AuditEvent.objects.filter(action="mfa", actor_id=small_world["program_manager"].pk).order_by("pk")
    assert list(tries.values_list("reason", flat=True)) == ["wrong code", "wrong code", "enrolled"]


def test_the_mfa_services_make_one_device_and_enrol_it_with_its_audit_row(small_world):
    from leadline.accounts.services import mfa_device_for, mfa_verify
    from leadline.audit.models import AuditEvent

    user = small_world["program_manager"]
    TOTPDevice.objects.filter(user=user).delete()
    device, setting_up = mfa_device_for(user=user)
    assert setting_up and mfa_device_for(user=user) == (device, True)  # the same secret, twice asked
    assert mfa_verify(user=user, device=device, code=_code(device)) == device
    device.refresh_from_db()
    assert device.confirmed and mfa_device_for(user=user) == (device, False)
    assert AuditEvent.objects.filter(action="mfa", actor_id=user.pk, reason="enrolled").count() == 1


def test_the_mfa_next_parameter_cannot_send_you_off_site(small_world):
    client = Client()
    _sign_in(client, "paula")
    client.get("/accounts/mfa/")
    device = TOTPDevice.objects.get(user=small_world["program_manager"])
    response = client.post("/accounts/mfa/", {"code": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@override_settings(DEBUG=True)
def test_demo_users_skip_mfa_only_with_debug_on_and_see_a_banner(small_world):
    carmen = small_world["case_manager"]
    carmen.is_demo = True
    carmen.save()
    client = Client()
    _sign_in(client, "carmen")
    page = client.get("/")
    assert page.status_code == 200
    assert "two-factor sign-in is skipped" in page.content.decode()
    # A real (non-demo) account is never let through.
    other = Client()
    _sign_in(other, "paula")
    assert other.get("/")["Location"].startswith("/accounts/mfa/")


def test_demo_users_need_mfa_when_debug_is_off(small_world):
    carmen = small_world["case_manager"]
    carmen.is_demo = True
    carmen.save()
    client = Client()
    _sign_in(client, "carmen")
    assert not settings.DEBUG
    assert client.get("/")["Location"].startswith("/accounts/mfa/")


# --- passwords -------------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2_in_the_real_settings():
    text = (ROOT / "config" / "settings.py").read_text()
    assert '"django.contrib.auth.hashers.Argon2PasswordHasher",' in text.split("PASSWORD_HASHERS")[1][:200]


def test_common_and_short_passwords_are_refused(small_world):
    for bad in ["password123", "123456789012", "short"]:
        with pytest.raises(ValidationError):
            validate_password(bad, user=small_world["case_manager"])
    validate_password("wobbly-harbour-lantern-91", user=small_world["case_manager"])


def test_a_breached_password_is_refused_when_a_range_service_is_configured(small_world, monkeypatch):
    import hashlib

    from leadline.accounts import passwords

    digest = hashlib.sha1(b"wobbly-harbour-lantern-91").hexdigest().upper()  # noqa: S324
    monkeypatch.setattr(passwords, "_range_lines", lambda url, prefix: f"{digest[5:]}:42\r\nABC:0")
    with override_settings(LEADLINE_PWNED_PASSWORDS_URL="https://range.example/range/"):
        with pytest.raises(ValidationError, match="data breach"):
            validate_password("wobbly-harbour-lantern-91")

        def unreachable(url, prefix):
            raise OSError("no network")

        monkeypatch.setattr(passwords, "_range_lines", unreachable)
        validate_password("wobbly-harbour-lantern-91")  # offline list still applied; not refused


# --- headers ---------------------------------------------------------------------------------------


def test_security_headers_and_no_store_on_participant_pages(world):
    client = verified_client(world["case_manager"])
    response = client.get(f"/participants/{world.mine.pk}/")
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LEADLINE_", "DATABASE_URL"))}
    env.update(
        LEADLINE_ENV="production",
        DJANGO_SECRET_KEY="x" * 20 + "-production-test-key-" + "y" * 30,
        DJANGO_ALLOWED_HOSTS="lead.example.org",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        LEADLINE_SMS_BACKEND="http",
        LEADLINE_SMS_URL="https://sms.lead.example.org/send",
        DJANGO_SETTINGS_MODULE="config.settings",
        LEADLINE_VAR_DIR=str(ROOT / "var" / "deploycheck"),
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_notifications_would_go_nowhere():
    env = _production_env(DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
                          LEADLINE_SMS_BACKEND="console")  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert (
        "leadline.W002" in result.stderr + result.stdout and "leadline.W003" in result.stderr + result.stdout
    )


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_sets_hsts_and_secure_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split() == ["31536000", "True", "True", "True"], result.stderr


def test_resetting_mfa_ends_sessions_and_sends_the_user_to_enrol_again(small_world):
    from leadline.accounts.services import credential_reset_approve, credential_reset_propose
    from leadline.demo.testing import UserFactory

    carmen = small_world["case_manager"]
    client = verified_client(carmen)
    beth = UserFactory.create(
        username="beth",
        role="site_admin",
        agency=small_world["site_admin"].agency,
        date_joined=clock.now() - timedelta(days=60),  # a new administrator approves nothing (0034)
    )
    reset = credential_reset_propose(
        actor=small_world["site_admin"], user=carmen, kind="mfa", reason="lost her phone"
    )
    credential_reset_approve(actor=beth, reset=reset)
    assert not TOTPDevice.objects.filter(user=carmen).exists()
    assert client.get("/").status_code == 302
    fresh = Client()
    _sign_in(fresh, "carmen")
    enrol = fresh.get("/accounts/mfa/")
    assert b"Scan this code" in enrol.content


def test_the_administrator_disables_an_account_from_the_admin(small_world):
    admin = verified_client(small_world["site_admin"])
    carmen = small_world["case_manager"]
    victim_session = verified_client(carmen)
    response = admin.post(
        "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [carmen.pk]}, follow=True
    )
    assert response.status_code == 200
    carmen.refresh_from_db()
    assert not carmen.is_active
    assert victim_session.get("/").status_code == 302


def test_script_name_cannot_smuggle_a_request_past_mfa(world):
    client = Client()
    _sign_in(client, "paula")  # password only
    for prefix in ["/api", "/accounts/mfa", "/static", "/i18n"]:
        response = client.get(f"/participants/{world.mine.pk}/", SCRIPT_NAME=prefix)
        assert response.status_code == 302 and "/accounts/mfa/" in response["Location"], prefix


def test_break_glass_never_works_through_an_api_token(world):
    from leadline.participants.breakglass import break_glass_open

    adam = world["site_admin"]
    break_glass_open(
        actor=adam, participant_id=world.mine.pk, reason="Court order 26-CV-113 review", minutes=10
    )
    assert verified_client(adam).get(f"/participants/{world.mine.pk}/").status_code == 200
    _token, secret = api_token_create(actor=adam, name="x", scopes=["break_glass.edit"], days=1)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(f"/api/v1/participants/{world.mine.pk}/").status_code == 404

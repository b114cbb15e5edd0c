"""Issue #15 item 21: a restrictive Permissions-Policy on every response (the browser features no page
uses are off; geolocation is allowed to the site itself on the one page that asks for it: the officer's
referral form, "use my location"), and the idle-lock message says the idle limit the site is set to."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings

from leadline.accounts.models import User
from leadline.core import clock
from leadline.demo.testing import verified_client

pytestmark = pytest.mark.django_db

OFF = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture")


def _policy(response) -> dict[str, str]:
    header = response["Permissions-Policy"]
    return dict(part.strip().split("=", 1) for part in header.split(","))


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/healthz", "/no-such-page/", "/api/v1/referrals/", "/results/"]
)
def test_every_response_turns_off_what_no_page_uses(db, path):
    response = Client().get(path)
    features = _policy(response)
    for feature in OFF:
        assert features[feature] == "()", (path, feature)


def test_signed_in_pages_carry_it_too(world):
    client = verified_client(world["case_manager"])
    for path in ("/", f"/participants/{world.mine.pk}/", "/participants/outreach/"):
        features = _policy(client.get(path))
        assert all(features[f] == "()" for f in OFF), path


def test_only_the_referral_form_may_ask_for_the_officers_location(small_world):
    client = verified_client(small_world["officer"])
    form = _policy(client.get("/referrals/new/"))
    assert form["geolocation"] == "(self)"
    assert form["camera"] == "()" and form["microphone"] == "()"
    assert _policy(client.get("/referrals/"))["geolocation"] == "()"


@pytest.mark.parametrize(
    ("minutes", "language", "expected"),
    [
        (30, "en", "locked after 30 minutes without activity"),
        (5, "en", "locked after 5 minutes without activity"),
        (1, "en", "locked after 1 minute without activity"),
        (5, "es", "5 minutos"),
        (1, "es", "1 minuto "),
    ],
)
def test_the_idle_lock_message_says_the_sites_idle_limit(small_world, minutes, language, expected):
    User.objects.filter(pk=small_world["case_manager"].pk).update(preferred_language=language)
    with (
        override_settings(LEADLINE_IDLE_TIMEOUT=timedelta(minutes=minutes)),
        time_machine.travel(clock.now(), tick=False) as traveller,
    ):
        client = verified_client(small_world["case_manager"])
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=minutes, seconds=1))
        page = client.get("/", follow=True, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page, page[:3000]
    assert minutes == 30 or "30 minutes" not in page

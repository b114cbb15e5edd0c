"""An administrator cannot become a clinician (issue #15, item 15): resetting another person's password or
two-factor sign-in needs a second administrator, a password is set only by its holder through a one-time
link, the holder is told, and the sessions signed in after a reset are marked on the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadline.accounts import services
from leadline.accounts.models import CredentialReset
from leadline.accounts.roles import Role
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.demo.testing import PASSWORD, UserFactory, verified_client
from leadline.notifications.models import Delivery, Notification

NEW_PASSWORD = "a-new-long-pass-phrase-42"


@pytest.fixture
def admins(small_world):
    """Adam (the world's administrator) and Beth, a second one."""
    beth = UserFactory.create(
        username="beth",
        role=Role.SITE_ADMIN.value,
        agency=small_world["site_admin"].agency,
        is_staff=True,
        email="beth@lead.example",
        date_joined=clock.now() - timedelta(days=60),  # a new administrator approves nothing (decision 0034)
    )
    return small_world["site_admin"], beth


@pytest.fixture
def carmen(small_world):
    carmen = small_world["case_manager"]
    carmen.email = "carmen@lead.example"
    carmen.save(update_fields=["email"])
    TOTPDevice.objects.get_or_create(user=carmen, name="phone", confirmed=True)
    return carmen


# --- alone, an administrator can do neither ---------------------------------------------------------


def test_an_administrator_alone_cannot_set_another_persons_password(small_world, admins, carmen):
    adam, _beth = admins
    client = verified_client(adam)
    response = client.post(
        f"/admin/accounts/user/{carmen.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert client.get(f"/admin/accounts/user/{carmen.pk}/password/").status_code == 403
    # Nor through the change form: it has no password field any more.
    page = client.get(f"/admin/accounts/user/{carmen.pk}/change/").content.decode()
    assert 'name="password"' not in page and "password/" not in page
    carmen.refresh_from_db()
    assert carmen.check_password(PASSWORD) and not carmen.check_password(NEW_PASSWORD)


def test_an_administrator_alone_cannot_remove_anothers_two_factor_device(small_world, admins, carmen):
    adam, _beth = admins
    client = verified_client(adam)
    device = TOTPDevice.objects.filter(user=carmen).first()
    # The old one-click action is gone; asking for it changes nothing.
    client.post("/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [carmen.pk]})
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 404
    # Proposing is all one administrator can do; approving one's own proposal is refused.
    response = client.post(
        "/admin/accounts/credentialreset/add/",
        {"user": carmen.pk, "kind": "mfa", "reason": "Carmen lost her phone on the bus"},
    )
    assert response.status_code == 302
    reset = CredentialReset.objects.get()
    assert reset.proposed_by == adam and reset.approved_at is None
    client.post("/admin/accounts/credentialreset/", {"action": "approve", "_selected_action": [reset.pk]})
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=adam, reset=reset)
    reset.refresh_from_db()
    assert reset.approved_at is None
    assert TOTPDevice.objects.filter(user=carmen).exists()
    assert not Notification.objects.filter(user=carmen, kind="account").exists()


def test_an_administrator_the_proposer_made_cannot_approve(small_world, admins, carmen):
    adam, _beth = admins
    sock = UserFactory.create(
        username="sock",
        agency=adam.agency,
        role=Role.SITE_ADMIN.value,
        date_joined=clock.now() - timedelta(days=60),
    )
    # Adam's own second account: the audit trail shows him creating it.
    audit_record(
        actor=adam, action=AuditEvent.Action.CREATE, subject_type="accounts.user", subject_id=sock.pk
    )
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="mfa", reason="Carmen lost her phone on the bus"
    )
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=sock, reset=reset)
    assert TOTPDevice.objects.filter(user=carmen).exists()


def test_a_reset_of_ones_own_sign_in_or_without_a_reason_is_refused(small_world, admins, carmen):
    adam, _beth = admins
    with pytest.raises(services.InvalidInput) as refused:
        services.credential_reset_propose(actor=adam, user=adam, kind="mfa", reason="I lost my own phone")
    assert refused.value.field == "user"
    with pytest.raises(services.InvalidInput) as refused:
        services.credential_reset_propose(actor=adam, user=carmen, kind="mfa", reason="lost")
    assert refused.value.field == "reason"
    with pytest.raises(services.NotAllowed):
        services.credential_reset_propose(
            actor=small_world["program_manager"],
            user=carmen,
            kind="mfa",
            reason="Carmen lost her phone on the bus",
        )
    response = verified_client(adam).post(
        "/admin/accounts/credentialreset/add/", {"user": carmen.pk, "kind": "mfa", "reason": "short"}
    )
    assert response.status_code == 200 and "Say in a sentence why" in response.content.decode()
    assert not CredentialReset.objects.exists()


# --- with a second administrator ----------------------------------------------------------------------


def test_a_second_administrator_approves_the_mfa_reset_and_the_holder_is_told(small_world, admins, carmen):
    adam, beth = admins
    carmen_session = verified_client(carmen)
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="mfa", reason="Carmen lost her phone on the bus"
    )
    response = verified_client(beth).post(
        "/admin/accounts/credentialreset/", {"action": "approve", "_selected_action": [reset.pk]}
    )
    assert response.status_code == 302
    reset.refresh_from_db()
    assert reset.approved_by == beth and reset.completed_at is not None
    assert not TOTPDevice.objects.filter(user=carmen).exists()
    assert carmen_session.get("/").status_code == 302  # her sessions ended
    (told,) = Notification.objects.filter(user=carmen, kind="account")
    assert told.url == "/accounts/mfa/"
    (email,) = Delivery.objects.filter(notification=told)
    assert "reset how you sign in" in email.body and "phone" not in email.body  # no reason, no detail
    audit = AuditEvent.objects.filter(subject_type="credential_reset", subject_id=str(reset.pk))
    assert sorted(audit.values_list("actor_username", flat=True)) == ["adam", "beth"]


def _link(carmen) -> str:
    # The link goes in its own email to the holder's address, never in the notification (decision 0034).
    body = Delivery.objects.filter(to=carmen.email, kind=Delivery.Kind.PASSWORD_LINK).get().body
    found = re.search(r"/accounts/reset/[\w-]+/", body)
    assert found is not None, body
    return found.group(0)


def test_a_password_reset_ends_in_a_link_only_the_holder_completes(small_world, admins, carmen):
    adam, beth = admins
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="password", reason="Carmen forgot her password, asked by phone"
    )
    services.credential_reset_approve(actor=beth, reset=reset)
    carmen.refresh_from_db()
    assert carmen.check_password(PASSWORD)  # nothing changes until she sets it herself
    link = _link(carmen)
    # An administrator (or anyone signed in) cannot complete it.
    assert verified_client(adam).get(link).status_code == 403
    browser = Client()
    response = browser.get(link)
    assert response.status_code == 302 and response["Location"] == "/accounts/reset/"
    assert "reset/" not in str(list(AuditEvent.objects.values_list("path", flat=True)))
    assert (
        browser.post("/accounts/reset/", {"new_password1": "short", "new_password2": "short"}).status_code
        == 400
    )
    response = browser.post(
        "/accounts/reset/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    carmen.refresh_from_db()
    assert carmen.check_password(NEW_PASSWORD)
    assert Client().get(link).status_code == 404  # once only


def test_the_holder_signed_in_on_another_device_may_use_her_link(small_world, admins, carmen):
    adam, beth = admins
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="password", reason="Carmen forgot her password, asked by phone"
    )
    services.credential_reset_approve(actor=beth, reset=reset)
    browser = verified_client(carmen)
    assert browser.get(_link(carmen)).status_code == 302
    response = browser.post(
        "/accounts/reset/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    carmen.refresh_from_db()
    assert carmen.check_password(NEW_PASSWORD)
    assert NEW_PASSWORD not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_an_expired_link_does_nothing(small_world, admins, carmen):
    adam, beth = admins
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="password", reason="Carmen forgot her password, asked by phone"
    )
    services.credential_reset_approve(actor=beth, reset=reset)
    with time_machine.travel(clock.now() + timedelta(hours=25)):
        assert Client().get(_link(carmen)).status_code == 404


def test_the_sessions_after_a_reset_are_marked_on_the_audit_trail_and_the_report(world, admins, carmen):
    adam, beth = admins
    before = verified_client(carmen)
    before.get(f"/participants/{world.mine.pk}/")
    last_before = AuditEvent.objects.latest("id").pk
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="mfa", reason="Carmen lost her phone on the bus"
    )
    services.credential_reset_approve(actor=beth, reset=reset)
    after = verified_client(carmen)  # signs in again and enrols a new device
    assert after.get(f"/participants/{world.mine.pk}/").status_code == 200
    rows = AuditEvent.objects.filter(actor_id=carmen.pk).order_by("id")
    login = rows.filter(action="login").last()
    assert login is not None
    assert login.via.endswith("+reset") and login.changes["after_credential_reset"] == reset.pk
    read = rows.filter(participant_id=world.mine.pk).last()
    assert read is not None
    assert read.via == "web+reset"
    earlier = rows.filter(participant_id=world.mine.pk, pk__lte=last_before).last()
    assert earlier is not None
    assert earlier.via == "web"  # what she read before the reset is not marked
    report = verified_client(world["program_manager"]).get(f"/audit/users/{carmen.pk}/").content.decode()
    assert "data-after-reset" in report
    with time_machine.travel(clock.now() + timedelta(days=31)):
        later = verified_client(carmen)
        later.get(f"/participants/{world.mine.pk}/")
    assert AuditEvent.objects.filter(actor_id=carmen.pk).latest("id").via == "web"


def test_no_product_code_sets_a_password_or_removes_a_device_outside_the_reset_services():
    """Any product URL that set a password or deleted an authenticator would be a door around dual control:
    only accounts/services.py (the approved reset, the holder's link) may, and demo/seed.py for the demo's
    own accounts."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {root / "accounts" / "services.py", root / "demo" / "seed.py"}
    found = []
    for path in root.rglob("*.py"):
        if (
            path in allowed
            or "tests" in path.parts
            or "migrations" in path.parts
            or path.name == "testing.py"
        ):
            continue
        text = path.read_text(encoding="utf-8")
        if ".set_password(" in text or ".set_unusable_password(" in text:
            found.append(f"{path.relative_to(root)}: sets a password")
        if "TOTPDevice" in text and ".delete(" in text:
            found.append(f"{path.relative_to(root)}: may delete an authenticator")
    assert not found, found

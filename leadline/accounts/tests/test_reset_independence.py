"""Dual control that one administrator cannot satisfy alone (issue #15, item 15, second review): the
approver and the proposer are independent in both directions along the audit trail's chain of "created or
changed by"; a new administrator does not approve; a role that reads participants, and a new account's first
password, need a second administrator too; an email swap cannot steer a password link; a reset's sessions
are marked over the API as well; and the link's secret is kept nowhere readable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadline.accounts import services
from leadline.accounts.models import APIToken, CredentialReset, User
from leadline.accounts.roles import Role
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.demo.testing import UserFactory, verified_client
from leadline.notifications.models import Delivery, Notification, Preference

LONG_AGO = timedelta(days=60)


def _admin(world, username: str, *, days_old: timedelta = LONG_AGO) -> User:
    return UserFactory.create(
        username=username,
        role=Role.SITE_ADMIN.value,
        agency=world["site_admin"].agency,
        is_staff=True,
        email=f"{username}@lead.example",
        date_joined=clock.now() - days_old,
    )


def _created_by(creator: User, account: User) -> None:
    """What the audit trail says when an administrator creates an account in the admin."""
    audit_record(
        actor=creator,
        action=AuditEvent.Action.CREATE,
        subject_type="accounts.user",
        subject_id=account.pk,
        reason="Django admin",
        changes={"admin_message": "added"},
    )


@pytest.fixture
def adam(small_world):
    adam = small_world["site_admin"]
    adam.date_joined = clock.now() - LONG_AGO
    adam.save(update_fields=["date_joined"])
    return adam


@pytest.fixture
def carmen(small_world):
    carmen = small_world["case_manager"]
    carmen.email = "carmen@lead.example"
    carmen.save(update_fields=["email"])
    TOTPDevice.objects.get_or_create(user=carmen, name="phone", confirmed=True)
    return carmen


def _propose(actor, user, kind="mfa"):
    return services.credential_reset_propose(
        actor=actor, user=user, kind=kind, reason="Carmen lost her phone on the bus"
    )


# --- 1. one administrator with two accounts ---------------------------------------------------------


def test_the_creator_cannot_approve_what_its_second_account_proposed(small_world, adam, carmen):
    sock = _admin(small_world, "sock")
    _created_by(adam, sock)
    reset = _propose(sock, carmen)
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=adam, reset=reset)
    assert TOTPDevice.objects.filter(user=carmen).exists()


def test_an_account_two_hops_down_the_chain_cannot_approve(small_world, adam, carmen):
    sock1, sock2 = _admin(small_world, "sock1"), _admin(small_world, "sock2")
    _created_by(adam, sock1)
    _created_by(sock1, sock2)
    reset = _propose(adam, carmen)
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=sock2, reset=reset)
    reset = _propose(sock2, carmen, kind="password")
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=adam, reset=reset)
    assert TOTPDevice.objects.filter(user=carmen).exists()


def test_a_new_administrator_does_not_approve(small_world, adam, carmen):
    fresh = _admin(small_world, "fresh", days_old=timedelta(days=3))
    reset = _propose(adam, carmen)
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=fresh, reset=reset)
    beth = _admin(small_world, "beth")
    services.credential_reset_approve(actor=beth, reset=reset)
    assert not TOTPDevice.objects.filter(user=carmen).exists()


def test_an_old_account_whose_administrator_role_is_new_does_not_approve(small_world, adam, carmen):
    omar = small_world["outreach_worker"]
    omar.date_joined = clock.now() - LONG_AGO
    omar.save(update_fields=["date_joined"])
    User.objects.filter(pk=omar.pk).update(role=Role.SITE_ADMIN.value, is_staff=True)
    audit_record(actor=None, action=AuditEvent.Action.UPDATE, subject_type="user", subject_id=omar.pk,
                 changes={"role": {"before": "outreach_worker", "after": "site_admin"}})  # fmt: skip
    omar.refresh_from_db()
    reset = _propose(adam, carmen)
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=omar, reset=reset)


# --- 2. a role that reads participants, and a new account's first password --------------------------


def _change_form(user, **changes) -> dict:
    data = {
        "username": user.username, "first_name": user.first_name or "X", "last_name": user.last_name or "Y",
        "email": user.email, "phone": user.phone or "", "preferred_language": "en", "role": user.role,
        "agency": user.agency_id or "", "precinct": "",
    }  # fmt: skip
    data.update(changes)
    return data


def test_a_new_account_gets_no_password_from_the_administrator(small_world, adam):
    client = verified_client(adam)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "pm2", "first_name": "Pat", "last_name": "M", "email": "pm2@lead.example",
            "phone": "", "preferred_language": "en", "role": "program_manager",
            "agency": small_world["program_manager"].agency_id,
            "precinct": "", "password1": "Another-long-pass-phrase-77",
            "password2": "Another-long-pass-phrase-77", "usable_password": "true",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    pm2 = User.objects.get(username="pm2")
    assert not pm2.has_usable_password()
    # Its first password comes through the one-time link, proposed and waiting for a second administrator.
    waiting = CredentialReset.objects.get(user=pm2, kind=CredentialReset.Kind.PASSWORD)
    assert waiting.approved_at is None
    # Nor a role that reads participants until a second administrator approves it; Beth approves both.
    assert pm2.role == ""
    grant = CredentialReset.objects.get(user=pm2, kind=CredentialReset.Kind.ROLE)
    beth = _admin(small_world, "beth")
    services.credential_reset_approve(actor=beth, reset=waiting)
    services.credential_reset_approve(actor=beth, reset=grant)
    pm2.refresh_from_db()
    assert pm2.role == Role.PROGRAM_MANAGER.value and not pm2.has_usable_password()
    assert CredentialReset.objects.get(pk=waiting.pk).token_hash


def test_a_new_officer_account_has_its_role_at_once_but_no_password(small_world, adam):
    response = verified_client(adam).post(
        "/admin/accounts/user/add/",
        {
            "username": "ofc2", "first_name": "O", "last_name": "F", "email": "ofc2@pd.example", "phone": "",
            "preferred_language": "en", "role": "officer", "agency": small_world["officer"].agency_id,
            "precinct": "",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    ofc2 = User.objects.get(username="ofc2")
    assert ofc2.role == "officer" and not ofc2.has_usable_password()
    assert not CredentialReset.objects.filter(user=ofc2, kind=CredentialReset.Kind.ROLE).exists()


def test_a_role_that_reads_participants_waits_for_a_second_administrator(small_world, adam):
    omar = small_world["outreach_worker"]
    client = verified_client(adam)
    response = client.post(
        f"/admin/accounts/user/{omar.pk}/change/", _change_form(omar, role=Role.PROGRAM_MANAGER.value)
    )
    assert response.status_code == 302
    omar.refresh_from_db()
    assert omar.role == Role.OUTREACH_WORKER.value
    proposal = CredentialReset.objects.get(user=omar)
    assert proposal.kind == CredentialReset.Kind.ROLE and proposal.role == Role.PROGRAM_MANAGER.value
    with pytest.raises(services.NotAllowed):
        services.user_set_role(actor=adam, user=omar, role=Role.PROGRAM_MANAGER)
    beth = _admin(small_world, "beth")
    services.credential_reset_approve(actor=beth, reset=proposal)
    omar.refresh_from_db()
    assert omar.role == Role.PROGRAM_MANAGER.value
    event = AuditEvent.objects.filter(subject_id=str(omar.pk), changes__has_key="role").latest("id")
    assert event.changes["role"] == {"before": "outreach_worker", "after": "program_manager"}
    assert event.actor_id == beth.pk


def test_a_role_without_participant_data_is_given_at_once(small_world, adam):
    omar = small_world["outreach_worker"]
    services.user_set_role(actor=adam, user=omar, role=Role.EVALUATOR)
    omar.refresh_from_db()
    assert omar.role == Role.EVALUATOR.value


def test_an_administrator_role_granted_under_dual_control_approves_at_once(small_world, adam, carmen):
    beth = _admin(small_world, "beth")
    nina = _admin(small_world, "nina", days_old=timedelta(days=1))
    User.objects.filter(pk=nina.pk).update(role="", is_staff=False)
    nina.refresh_from_db()
    grant = services.role_grant_propose(actor=beth, user=nina, role=Role.SITE_ADMIN, reason="Nina joins IT")
    services.credential_reset_approve(actor=adam, reset=grant)
    nina.refresh_from_db()
    assert nina.role == Role.SITE_ADMIN.value and nina.is_staff
    # Nina may not approve Beth's or Adam's proposals (they gave her the role), but a third's she may.
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=nina, reset=_propose(beth, small_world["program_manager"]))
    reset = _propose(_admin(small_world, "other"), carmen)
    services.credential_reset_approve(actor=nina, reset=reset)  # new, but her role was granted by two
    assert not TOTPDevice.objects.filter(user=carmen).exists()


# --- 3. an email swap ------------------------------------------------------------------------------


def test_an_email_swap_is_audited_told_to_the_old_address_and_stops_the_password_link(
    small_world, adam, carmen, django_capture_on_commit_callbacks
):
    client = verified_client(adam)
    response = client.post(
        f"/admin/accounts/user/{carmen.pk}/change/",
        _change_form(carmen, email="adam.private@evil.example", phone="+15055550199"),
    )
    assert response.status_code == 302
    carmen.refresh_from_db()
    assert carmen.email == "adam.private@evil.example" and carmen.email_changed_at is not None
    event = AuditEvent.objects.filter(subject_id=str(carmen.pk), changes__has_key="email").latest("id")
    assert event.changes["email"] == {"before": "carmen@lead.example", "after": "adam.private@evil.example"}
    # A phone number is one of the audit trail's masked fields: the row says it changed, not to what.
    assert set(event.changes["phone"]) == {"before", "after"}
    told = Delivery.objects.get(to="carmen@lead.example", kind=Delivery.Kind.ACCOUNT_EMAIL_CHANGED)
    assert told.channel == Delivery.Channel.EMAIL and "adam.private" not in told.body
    # Beth sees the address and when it changed, and the approval is refused whoever proposes it.
    beth = _admin(small_world, "beth")
    other = _admin(small_world, "other")
    reset = services.credential_reset_propose(
        actor=other, user=carmen, kind="password", reason="Carmen forgot her password today"
    )
    page = verified_client(beth).get("/admin/accounts/credentialreset/").content.decode()
    assert "adam.private@evil.example" in page
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=beth, reset=reset)
    assert CredentialReset.objects.get(pk=reset.pk).token_hash == ""


def test_a_proposer_who_changed_the_holders_account_gets_no_password_link(small_world, adam, carmen):
    audit_record(actor=adam, action=AuditEvent.Action.UPDATE, subject_type="accounts.user",
                 subject_id=carmen.pk, changes={"admin_message": "changed first name"})  # fmt: skip
    beth = _admin(small_world, "beth")
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="password", reason="Carmen forgot her password today"
    )
    with pytest.raises(services.NotAllowed):
        services.credential_reset_approve(actor=beth, reset=reset)


def test_the_link_goes_by_email_only_and_its_secret_is_kept_nowhere_readable(
    small_world, adam, carmen, django_capture_on_commit_callbacks, mailoutbox
):
    carmen.phone = "+15055550123"
    carmen.save(update_fields=["phone"])
    Preference.objects.update_or_create(user=carmen, defaults={"by_email": False, "by_sms": True})
    beth = _admin(small_world, "beth")
    reset = services.credential_reset_propose(
        actor=adam, user=carmen, kind="password", reason="Carmen forgot her password today"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.credential_reset_approve(actor=beth, reset=reset)
    from leadline.notifications.services import deliver_due

    deliver_due()
    links = [m for m in mailoutbox if "/accounts/reset/" in m.body]
    assert len(links) == 1 and links[0].to == ["carmen@lead.example"]
    assert not Delivery.objects.filter(
        channel=Delivery.Channel.SMS, body__contains="/accounts/reset/"
    ).exists()
    # Nothing stored holds the secret once it is sent: the notification's link is neutral.
    assert not Delivery.objects.filter(body__contains="/accounts/reset/").exists()
    assert (
        not Notification.objects.filter(url__startswith="/accounts/reset/")
        .exclude(url="/accounts/reset/")
        .exists()
    )


# --- 4. API tokens after a reset ---------------------------------------------------------------------


def test_reads_over_a_token_after_a_reset_are_marked(world, adam, carmen):
    beth = _admin(world, "beth")
    services.credential_reset_approve(actor=beth, reset=_propose(adam, carmen))
    _token, secret = services.api_token_create(
        actor=carmen, name="x", scopes=["case_notes.view", "participant_record.view"], days=1
    )
    response = Client().get(
        f"/api/v1/participants/{world.mine.pk}/notes/", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 200
    row = AuditEvent.objects.filter(actor_id=carmen.pk, path__startswith="/api/").latest("id")
    assert row.via == "api+reset"


def test_a_token_made_in_a_marked_session_stays_marked(small_world, adam, carmen):
    from leadline.audit import context

    with context.use(context.AuditContext(path="/accounts/tokens/", method="POST", via="web+reset")):
        token, _secret = services.api_token_create(
            actor=carmen, name="x", scopes=["case_notes.view"], days=300
        )
    assert APIToken.objects.get(pk=token.pk).after_credential_reset


# --- 5. the secret never reaches the audit trail ----------------------------------------------------


def test_the_reset_link_path_is_never_written_to_the_audit_trail(small_world, adam, carmen):
    import time_machine

    client = verified_client(carmen)
    beth = _admin(small_world, "beth")
    services.credential_reset_approve(
        actor=beth,
        reset=services.credential_reset_propose(
            actor=adam, user=carmen, kind="password", reason="Carmen forgot her password today"
        ),
    )
    secret_path = "/accounts/reset/" + "x" * 43 + "/"
    with time_machine.travel(clock.now() + timedelta(minutes=45), tick=False):
        response = client.get(secret_path)
    assert "x" * 43 not in (response.get("Location") or "")
    assert not AuditEvent.objects.filter(path__startswith="/accounts/reset/x").exists()

"""The Django admin: site administrators only, no way around break-glass, every change audited."""

from __future__ import annotations

import pytest
from django.test import override_settings

from leadline.audit.models import AuditEvent
from leadline.demo.testing import verified_client


def _change_form(user) -> dict:
    return {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "phone": "", "preferred_language": "en", "role": user.role,
        "agency": user.agency_id or "", "precinct": "",
    }  # fmt: skip


def test_an_administrator_cannot_give_themselves_a_role_that_reads_participants(world):
    adam = world["site_admin"]
    client = verified_client(adam)
    response = client.post(
        f"/admin/accounts/user/{adam.pk}/change/", {**_change_form(adam), "role": "program_manager"}
    )
    assert response.status_code == 200 and "You cannot change your own role." in response.content.decode()
    adam.refresh_from_db()
    assert adam.role == "site_admin"
    assert client.get(f"/participants/{world.mine.pk}/").status_code == 404


def test_a_role_change_is_audited_with_the_real_before_and_after(small_world):
    client = verified_client(small_world["site_admin"])
    omar = small_world["outreach_worker"]
    response = client.post(
        f"/admin/accounts/user/{omar.pk}/change/", {**_change_form(omar), "role": "case_manager"}
    )
    assert response.status_code == 302
    # A role that reads participants waits for a second administrator (decision 0034); approved, it is
    # given with the real before and after.
    from datetime import timedelta

    from leadline.accounts.models import CredentialReset
    from leadline.accounts.services import credential_reset_approve
    from leadline.core import clock
    from leadline.demo.testing import UserFactory

    omar.refresh_from_db()
    assert omar.role == "outreach_worker"
    beth = UserFactory.create(
        username="beth", role="site_admin", agency=omar.agency, date_joined=clock.now() - timedelta(days=60)
    )
    credential_reset_approve(actor=beth, reset=CredentialReset.objects.get(user=omar, kind="role"))
    event = AuditEvent.objects.filter(
        subject_type="user", subject_id=str(omar.pk), changes__has_key="role"
    ).latest("id")
    assert event.changes["role"] == {"before": "outreach_worker", "after": "case_manager"}
    response = client.post(f"/admin/accounts/user/{omar.pk}/change/", {**_change_form(omar), "role": ""})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(
        subject_type="user", subject_id=str(omar.pk), changes__has_key="role"
    ).latest("id")
    assert event.changes["role"] == {"before": "case_manager", "after": ""}


def test_no_password_is_set_for_another_person_and_other_admin_edits_are_audited(small_world):
    client = verified_client(small_world["site_admin"])
    omar = small_world["outreach_worker"]
    response = client.post(
        f"/admin/accounts/user/{omar.pk}/password/",
        {"password1": "a-new-long-pass-phrase-42", "password2": "a-new-long-pass-phrase-42"},
    )
    assert response.status_code == 403  # a reset needs a second administrator and the holder (0034)
    agency = omar.agency
    response = client.post(
        f"/admin/accounts/agency/{agency.pk}/change/",
        {"name": agency.name + " North", "kind": agency.kind, "parent": "", "phone": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(subject_type="accounts.agency", subject_id=str(agency.pk)).exists()
    assert "a-new-long-pass-phrase" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_is_superuser_opens_nothing_more(world):
    adam = world["site_admin"]
    adam.is_superuser = True
    adam.save()
    client = verified_client(adam)
    for path in [
        "/admin/otp_totp/totpdevice/",
        "/admin/axes/accessattempt/",
        "/admin/auth/group/",
        "/admin/django_tasks_db/dbtaskresult/",
    ]:
        assert client.get(path).status_code == 404, path
    assert client.get(f"/participants/{world.mine.pk}/").status_code == 404
    assert client.get(f"/api/v1/participants/{world.mine.pk}/notes/").status_code == 403


@pytest.mark.parametrize("persona", ["program_manager", "case_manager", "officer"])
def test_nobody_but_the_site_administrator_gets_into_the_admin(small_world, persona):
    client = verified_client(small_world[persona])
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403  # sent to the admin's sign-in, which refuses a signed-in non-admin
    assert response.redirect_chain[-1][0].startswith("/admin/login/")


@override_settings(PRODUCTION=True)
def test_the_demo_is_never_seeded_in_production(db):
    from leadline.demo.seed import DemoRefused, seed_demo

    with pytest.raises(DemoRefused):
        seed_demo()


def test_the_demo_never_overwrites_a_real_account(small_world):
    from leadline.demo.seed import DemoRefused, seed_demo

    # the test personas' "paula" is a real (non-demo) account with her own password
    with pytest.raises(DemoRefused):
        seed_demo()
    paula = small_world["program_manager"]
    paula.refresh_from_db()
    assert not paula.is_demo and not paula.check_password("lead-demo-2026")

"""Site configuration is data: edited in the admin, exported and imported as one file."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest

from leadline.accounts.models import Agency
from leadline.audit.models import AuditEvent
from leadline.demo.seed import DEMO_SITE_FILE, DEMO_SITE_NAME
from leadline.demo.testing import verified_client
from leadline.sites.models import PolicyVersion, Site
from leadline.sites.selectors import policy_version_in_force
from leadline.sites.services import SiteImportError, site_export, site_import


@pytest.fixture
def demo_site(db):
    return site_import(actor=None, data=copy.deepcopy(DEMO_SITE_FILE))


def test_the_demo_site_is_monroe_county_expunging_after_30_days(demo_site):
    assert demo_site.name == DEMO_SITE_NAME == "Monroe County, NY (demo)"
    assert demo_site.legal_mode == "expunge_after_participation" and demo_site.expunge_after_days == 30
    assert (demo_site.caseload_soft_limit, demo_site.caseload_hard_limit, demo_site.small_cell_threshold) == (
        20,
        25,
        10,
    )
    precinct = Agency.objects.select_related("parent").get(name="Clinton Section")
    assert precinct.parent is not None and precinct.parent.name == "Rochester Police Department"


def test_export_then_import_gives_back_the_same_file(demo_site):
    exported = site_export(site=demo_site)
    site_import(actor=None, data=json.loads(json.dumps(exported)))
    assert site_export(site=Site.objects.get()) == exported
    assert Site.objects.count() == 1 and PolicyVersion.objects.count() == 1


def test_a_new_policy_version_takes_over_on_its_effective_date(demo_site):
    from datetime import date

    data = site_export(site=demo_site)
    data["policy_versions"].append(
        {**data["policy_versions"][0], "label": "2027.1", "effective_from": "2027-01-01"}
    )
    data["policy_versions"][0]["effective_to"] = "2026-12-31"
    site = site_import(actor=None, data=data)
    in_2026 = policy_version_in_force(site=site, on=date(2026, 6, 1))
    in_2027 = policy_version_in_force(site=site, on=date(2027, 2, 1))
    assert in_2026 is not None and in_2026.label == "2026.1"
    assert in_2027 is not None and in_2027.label == "2027.1"
    assert policy_version_in_force(site=site, on=date(2025, 2, 1)) is None


def test_a_bad_file_names_every_problem_and_writes_nothing(demo_site):
    before = site_export(site=demo_site)
    bad = copy.deepcopy(before)
    bad["site"]["legal_mode"] = "no_file_on_intake"
    bad["site"]["no_file_window_days"] = 45
    bad["site"]["caseload_soft_limit"] = 30
    bad["policy_versions"][0]["offences"][1]["statute"] = ""
    bad["agencies"].append({"name": "Nowhere PD", "kind": "militia"})
    with pytest.raises(SiteImportError) as exc:
        site_import(actor=None, data=bad)
    errors = "\n".join(exc.value.errors)
    assert "site.no_file_window_days" in errors
    assert "site.caseload_soft_limit" in errors
    assert "policy_versions[0].offences[1].statute" in errors
    assert "agencies[" in errors and ".kind" in errors
    assert site_export(site=Site.objects.get()) == before
    assert not Agency.objects.filter(name="Nowhere PD").exists()


def test_the_no_file_window_is_never_more_than_30_days(demo_site):
    data = site_export(site=demo_site)
    data["site"].update(legal_mode="no_file_on_intake", no_file_window_days=31)
    with pytest.raises(SiteImportError, match="no_file_window_days"):
        site_import(actor=None, data=data)
    data["site"]["no_file_window_days"] = 14
    assert site_import(actor=None, data=data).no_file_window_days == 14


def test_wrong_format_is_refused(db):
    with pytest.raises(SiteImportError, match="format"):
        site_import(actor=None, data={"hello": "world"})


def test_the_administrator_imports_a_file_through_the_page_and_it_is_audited(small_world, demo_site):
    client = verified_client(small_world["site_admin"])
    data = site_export(site=demo_site)
    data["site"]["caseload_soft_limit"] = 18
    upload = io.BytesIO(json.dumps(data).encode())
    upload.name = "site.json"
    response = client.post("/site/import/", {"file": upload})
    assert response.status_code == 302
    assert Site.objects.get().caseload_soft_limit == 18
    assert AuditEvent.objects.filter(
        subject_type="site_config", action="update", actor_id=small_world["site_admin"].pk
    )


def test_an_invalid_upload_shows_the_errors_on_the_page(small_world, demo_site):
    client = verified_client(small_world["site_admin"])
    upload = io.BytesIO(b"{not json")
    upload.name = "site.json"
    response = client.post("/site/import/", {"file": upload})
    assert response.status_code == 400 and "not valid JSON" in response.content.decode()


def test_the_program_manager_can_read_and_export_but_not_import(small_world, demo_site):
    client = verified_client(small_world["program_manager"])
    exported = client.get("/site/export.json")
    assert exported.status_code == 200 and exported.json()["site"]["name"] == DEMO_SITE_NAME
    assert client.get("/site/import/").status_code == 403


def test_the_administrator_edits_the_site_in_the_admin_and_bad_limits_are_refused(small_world, demo_site):
    client = verified_client(small_world["site_admin"])
    form = {
        f: getattr(demo_site, f)
        for f in (
            "name",
            "time_zone",
            "legal_mode",
            "expunge_after_days",
            "no_file_window_days",
            "caseload_soft_limit",
            "caseload_hard_limit",
            "small_cell_threshold",
            "lead_line_phone",
            "handoff_target_minutes",
            "handoff_ack_minutes",
            "participation_contacts",
            "legal_warning_days",
            "sealed_retention_days",
            "notice_recipient",
            "clearance_notice_text",
            "directory_stale_days",
        )
    }
    form["languages"] = json.dumps(demo_site.languages)
    bad = client.post(f"/admin/sites/site/{demo_site.pk}/change/", {**form, "caseload_soft_limit": 30})
    assert bad.status_code == 200
    assert "The soft limit cannot be above the hard limit." in bad.content.decode()
    assert Site.objects.get().caseload_soft_limit == 20
    good = client.post(f"/admin/sites/site/{demo_site.pk}/change/", {**form, "small_cell_threshold": 11})
    assert good.status_code == 302
    assert Site.objects.get().small_cell_threshold == 11
    assert AuditEvent.objects.filter(subject_type="sites.site", action="update").exists()


def test_the_aggrieved_party_setting_travels_with_the_site_file(demo_site):
    """Issue #15 item 11: required by default; a site that does not require it says so in its file."""
    data = site_export(site=demo_site)
    assert all(v["aggrieved_party_agreement_required"] is True for v in data["policy_versions"])
    changed = copy.deepcopy(data)
    newer = copy.deepcopy(changed["policy_versions"][-1])
    newer.update(label="2027.1", effective_from="2027-01-01", aggrieved_party_agreement_required=False)
    changed["policy_versions"].append(newer)
    site = site_import(actor=None, data=changed)
    assert site.policy_versions.get(label="2027.1").aggrieved_party_agreement_required is False
    assert site_export(site=site) == changed
    old_file = copy.deepcopy(DEMO_SITE_FILE)  # a file written before the setting existed
    versions: list[dict[str, Any]] = old_file["policy_versions"]  # type: ignore[assignment]
    for v in versions:
        v.pop("aggrieved_party_agreement_required", None)
    site = site_import(actor=None, data=old_file)
    assert site.policy_versions.get(label="2026.1").aggrieved_party_agreement_required is True


def test_an_old_file_keeps_an_existing_versions_aggrieved_party_setting(demo_site):
    """Re-importing a file written before the setting existed neither changes nor blocks an existing
    version's stored value (review of issue #15 item 11): a missing key keeps what is stored; a new
    version from such a file still gets the default (required)."""
    stored = PolicyVersion.objects.filter(site=demo_site, label="2026.1")
    stored.update(aggrieved_party_agreement_required=False)
    old_file = copy.deepcopy(site_export(site=demo_site))
    versions: list[dict[str, Any]] = old_file["policy_versions"]
    newer = copy.deepcopy(versions[-1])
    newer.update(label="2027.1", effective_from="2027-01-01")
    versions.append(newer)
    for v in versions:
        v.pop("aggrieved_party_agreement_required", None)
    site = site_import(actor=None, data=old_file)
    assert site.policy_versions.get(label="2026.1").aggrieved_party_agreement_required is False
    assert site.policy_versions.get(label="2027.1").aggrieved_party_agreement_required is True

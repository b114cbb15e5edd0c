"""A service referral as a FHIR R4 bundle (issue #7, item 4): shaped by the Gravity SDOH Clinical Care
guide, checked with the FHIR model library (fhirclient, FHIR 4.0.1), carrying only what the provider may
see; and the provider's system answering back by importing its Task."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from fhirclient.models.bundle import Bundle

from leadline.consents.models import Disclosure
from leadline.directory import fhir, referrals
from leadline.directory.models import ServiceReferral
from leadline.directory.tests.test_referrals import _consent_naming_pat

pytestmark = pytest.mark.django_db
S = ServiceReferral.Status


def _resources(bundle: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def _fresh(world) -> ServiceReferral:
    return ServiceReferral.objects.select_related("participant", "service", "organization").get(
        pk=world.sref.pk
    )


def test_the_bundle_is_r4_shaped_by_the_gravity_guide_and_without_consent_carries_the_minimum(world):
    bundle = fhir.referral_bundle(_fresh(world))
    assert fhir.validate(bundle) == []
    parsed = Bundle(bundle, strict=True)  # the model library itself, strict: no unknown or mistyped element
    assert {e.resource.resource_type for e in parsed.entry} == {
        "Task",
        "ServiceRequest",
        "Patient",
        "Organization",
    }
    found = _resources(bundle)
    task, request, patient = found["Task"][0], found["ServiceRequest"][0], found["Patient"][0]
    assert task["meta"]["profile"] == [fhir.PROFILE_TASK] and request["meta"]["profile"] == [
        fhir.PROFILE_SERVICE_REQUEST
    ]
    assert (task["status"], task["intent"], task["code"]["coding"][0]["code"]) == (
        "requested",
        "order",
        "fulfill",
    )
    assert task["identifier"][0]["value"] == world.sref.reference
    assert task["extension"] == [{"url": fhir.version_extension(), "valueInteger": 1}]
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert {task["focus"]["reference"], task["for"]["reference"], task["owner"]["reference"]} <= urls
    assert request["subject"] == task["for"] and request["status"] == "active"
    categories = [c["coding"][0]["code"] for c in request["category"]]
    assert categories == ["410606002", "housing-instability"]  # a social service, for housing
    assert patient["name"][0]["extension"][0]["valueCode"] == "masked" and "telecom" not in patient
    text = json.dumps(bundle)
    assert world.mine.family_name not in text and world.mine.given_name not in text
    assert "A room near the clinic" not in text  # the case manager's reason is about the person
    assert "Consent" not in found
    assert [s["code"] for s in bundle["meta"]["security"]] == ["R"]


def test_the_provider_under_a_consent_gets_who_it_is_for_logged_and_the_program_copy_never(world, login):
    consent = _consent_naming_pat(world)
    pat = login(world["provider_staff"])
    response = pat.get(f"/directory/referrals/{world.sref.pk}/fhir.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    assert fhir.validate(bundle) == []
    Bundle(bundle, strict=True)
    found = _resources(bundle)
    patient = found["Patient"][0]
    assert patient["name"][0]["family"] == world.mine.family_name
    assert found["ServiceRequest"][0]["reasonCode"][0]["text"] == "A room near the clinic"
    shared = found["Consent"][0]
    assert (
        shared["meta"]["profile"] == [fhir.PROFILE_CONSENT] and shared["patient"] == found["Task"][0]["for"]
    )
    assert shared["provision"]["actor"][0]["reference"] == found["Task"][0]["owner"]
    assert shared["policyRule"]["coding"][0]["code"] == "42CFRPart2"
    from leadline.consents.policy import current_notice

    notice = current_notice()
    assert (
        notice is not None and notice.text.split("\n")[0][:40] in shared["text"]["div"]
    )  # 2.32 goes with it
    assert {"42CFRPart2", "NORDSCLCD"} <= {s["code"] for s in bundle["meta"]["security"]}
    shown = Disclosure.objects.get()
    assert shown.consent == consent and shown.recipient == world["provider_staff"] and shown.channel == "api"
    program = json.loads(
        login(world["case_manager"]).get(f"/directory/referrals/{world.sref.pk}/fhir.json").content
    )
    assert world.mine.family_name not in json.dumps(program)  # a file the program carries on is not logged
    assert Disclosure.objects.count() == 1


def test_the_checks_name_the_element_that_is_wrong(world):
    good = fhir.referral_bundle(_fresh(world))

    def broken(change) -> list[str]:
        bundle = copy.deepcopy(good)
        change(bundle["entry"][0]["resource"])  # the Task
        return fhir.validate(bundle)

    assert broken(lambda t: t.update(authoredOn="last Tuesday")) == [
        "entry[0].resource.authoredOn: does not match expected format"
    ]
    assert "entry[0].resource" in broken(lambda t: t.update(colour="blue"))[0]  # unknown element
    assert broken(lambda t: t.pop("status"))[0].startswith("entry[0].resource")
    assert broken(lambda t: t.update(status="lost"))[0].startswith("entry[0].resource.status: “lost”")
    assert broken(lambda t: t.update(statusReason={"coding": []})) == [
        "entry[0].resource.statusReason.text: required when there is a status reason."
    ]
    assert fhir.validate({"resourceType": "Patient"}) == ["resourceType: the file must be a FHIR Bundle."]


def _upload(client, bundle) -> Any:
    data = json.dumps(bundle).encode() if not isinstance(bundle, bytes) else bundle
    return client.post("/directory/referrals/fhir-import/", {"file": SimpleUploadedFile("task.json", data)})


def _answered(bundle: dict, status: str, *, reason: str = "", outcome: str = "") -> dict:
    bundle = copy.deepcopy(bundle)
    task = bundle["entry"][0]["resource"]
    task["status"] = status
    if reason:
        task["statusReason"] = {"text": reason}
    if outcome:
        task["output"] = [{"type": {"text": "Resulting activity"}, "valueCodeableConcept": {"text": outcome}}]
    return bundle


def test_the_providers_system_answers_by_sending_the_task_back(world, login):
    pat = login(world["provider_staff"])
    exported = json.loads(pat.get(f"/directory/referrals/{world.sref.pk}/fhir.json").content)
    assert pat.get("/directory/referrals/fhir-import/").status_code == 200
    done = _upload(pat, _answered(exported, "completed", outcome="Moved into a studio on Lyell Ave"))
    assert done.status_code == 200 and "data-import-done" in done.content.decode()
    referral = ServiceReferral.objects.get(pk=world.sref.pk)
    assert referral.status == S.COMPLETED and referral.outcome == "Moved into a studio on Lyell Ave"
    steps = list(referral.events.values_list("status", "by_id", "reason"))
    implied = "implied by the status the provider's system sent"  # a step their system skipped, marked so
    pat_id = world["provider_staff"].pk
    assert steps[1:] == [
        (S.ACCEPTED, pat_id, implied),
        (S.COMPLETED, pat_id, "Moved into a studio on Lyell Ave"),
    ]
    again = _upload(pat, _answered(exported, "completed", outcome="Moved into a studio on Lyell Ave"))
    assert again.status_code == 200 and ServiceReferral.objects.get(pk=world.sref.pk).events.count() == 3
    plan = login(world["case_manager"]).get(f"/participants/{world.mine.pk}/plan/").content.decode()
    assert "Moved into a studio on Lyell Ave" in plan


def test_a_task_from_before_a_change_in_leadline_is_refused_not_applied(world, login):
    pat = login(world["provider_staff"])
    exported = json.loads(pat.get(f"/directory/referrals/{world.sref.pk}/fhir.json").content)
    referrals.referral_move(
        actor=world["provider_staff"], referral_id=world.sref.pk, to=S.ACCEPTED, version=1
    )
    referrals.referral_move(actor=world["provider_staff"], referral_id=world.sref.pk, to=S.ON_HOLD, version=2,
                            reason="Waiting for the ID")  # fmt: skip
    stale = _upload(pat, _answered(exported, "in-progress"))
    assert (
        stale.status_code == 400
        and "has changed in Leadline since this Task was exported" in stale.content.decode()
    )
    assert ServiceReferral.objects.get(pk=world.sref.pk).status == S.ON_HOLD


def test_an_import_is_all_or_nothing_and_names_what_is_wrong(world, login):
    pat = login(world["provider_staff"])
    exported = json.loads(pat.get(f"/directory/referrals/{world.sref.pk}/fhir.json").content)
    declined = _upload(pat, _answered(exported, "rejected"))  # a reason is required to decline
    assert declined.status_code == 400 and "entry[0].resource.statusReason.text" in declined.content.decode()
    assert ServiceReferral.objects.get(pk=world.sref.pk).status == S.REQUESTED
    cancelled = _upload(
        pat, _answered(exported, "cancelled", reason="Not ours")
    )  # the program cancels, not them
    assert cancelled.status_code == 400 and "cannot become Cancelled" in cancelled.content.decode()
    assert _upload(pat, b"{not json").status_code == 400
    theirs = referrals.referral_create(
        actor=world["case_manager"], participant=world.mine, service=world.other_service, reason="Treatment",
        idempotency_key="f1",
    )  # fmt: skip
    other = fhir.referral_bundle(ServiceReferral.objects.get(pk=theirs.pk))
    both = copy.deepcopy(_answered(exported, "accepted"))
    both["entry"] += [e for e in other["entry"] if e["resource"]["resourceType"] == "Task"]
    refused = _upload(pat, both)  # one Task is not Pat's organisation's: nothing is applied
    assert (
        refused.status_code == 400
        and "not a referral of this site to your organisation" in refused.content.decode()
    )
    assert ServiceReferral.objects.get(pk=world.sref.pk).status == S.REQUESTED


def test_only_a_provider_imports_answers(world, login):
    assert login(world["case_manager"]).get("/directory/referrals/fhir-import/").status_code == 404
    assert login(world["officer"]).get(f"/directory/referrals/{world.sref.pk}/fhir.json").status_code == 403


def test_odd_or_oversized_tasks_are_refused_by_name_never_a_server_error(world, login):
    from leadline.audit.models import AuditEvent

    pat = login(world["provider_staff"])
    exported = json.loads(pat.get(f"/directory/referrals/{world.sref.pk}/fhir.json").content)

    def refused(bundle: dict, element: str) -> None:
        response = _upload(pat, bundle)
        assert response.status_code == 400, response.status_code
        assert element in response.content.decode()
        assert ServiceReferral.objects.get(pk=world.sref.pk).status == S.REQUESTED

    refused(_answered(exported, "rejected", reason="x" * 301), "entry[0].resource.statusReason.text")
    refused(_answered(exported, "rejected", reason="Full\x00"), "entry[0].resource.statusReason.text")
    refused(
        _answered(exported, "failed", reason="Never came"), "entry[0].resource.status"
    )  # decline, not fail
    for value in ("SR-²", "SR-" + "1" * 5000, "SR-99999999999999999999"):
        odd = copy.deepcopy(exported)
        odd["entry"][0]["resource"]["identifier"][0]["value"] = value
        refused(odd, "entry[0].resource.identifier")
    twice = _answered(exported, "accepted")
    twice["entry"].append(copy.deepcopy(twice["entry"][0]))
    refused(twice, "is in the bundle twice")
    assert AuditEvent.objects.filter(actor_id=world["provider_staff"].pk, action=AuditEvent.Action.DENIED,
                                     subject_type="service_referral_import").count() == 7  # fmt: skip

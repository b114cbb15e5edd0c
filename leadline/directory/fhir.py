"""A service referral as FHIR R4 (issue #7, item 4): a Bundle of a Task and a ServiceRequest (and, when
the participant's consent lets the provider see who it is for, a Consent), shaped by the Gravity SDOH
Clinical Care guide (SDOHCC Task For Referral Management, SDOHCC ServiceRequest, SDOHCC Consent), and
checked with a FHIR model library (SMART Health IT's ``fhirclient``, generated from FHIR 4.0.1).

The bundle is the provider's copy: it carries what the provider may see, decided by the one consent
decision point — without a consent naming the provider's organisation for referral details, the Patient
is the referral's pseudonym (no name, phone or language, "masked"), and the case manager's reason is left
out; the program's own notes (a cancel reason) never go. Security labels on the bundle say it is
restricted, under 42 CFR Part 2 when identity goes, and not to be redisclosed.

Import is the other half of the loop: a provider's system sends back the Task (status, reason, outcome)
and Leadline applies it as that provider's answer, by the same rules as the page — only the provider's
moves, a reason where the guide wants one, an outcome to complete — and refuses a Task exported from an
older version of the referral (``Task.meta.versionId``), so a concurrent change is never overwritten.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts.models import User
from leadline.core import clock, refusals
from leadline.directory.models import ServiceReferral
from leadline.directory.referrals import PROVIDER_MOVES, ReferralRefused, history_for, referral_move
from leadline.directory.selectors import referrals_visible_to
from leadline.sites.models import Site

FHIR_VERSION = "4.0.1"
SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
PROFILE_TASK = SDOHCC + "SDOHCC-TaskForReferralManagement"
PROFILE_SERVICE_REQUEST = SDOHCC + "SDOHCC-ServiceRequest"
PROFILE_CONSENT = SDOHCC + "SDOHCC-Consent"
SDOHCC_CODES = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
SNOMED = "http://snomed.info/sct"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

S = ServiceReferral.Status
# Task.status: the SDOHCC referral task statuses Leadline uses are FHIR's own codes.
TASK_STATUSES = frozenset(S.values)
# ServiceRequest.status follows the Task: open while it is being worked, revoked when it will not be.
REQUEST_STATUS: dict[str, str] = {
    S.REQUESTED: "active", S.ACCEPTED: "active", S.IN_PROGRESS: "active", S.ON_HOLD: "on-hold",
    S.COMPLETED: "completed", S.REJECTED: "revoked", S.CANCELLED: "revoked", S.FAILED: "revoked",
}  # fmt: skip
# The directory's kinds of service as SDOHCC categories (SDOHCCValueSetSDOHCategory); clinical services
# (treatment, health care) and legal help have no SDOH domain of their own: "unspecified".
SDOH_CATEGORY = {
    "housing": ("housing-instability", "Housing Instability"),
    "education": ("educational-attainment", "Educational Attainment"),
    "employment": ("employment-status", "Employment Status"),
    "benefits": ("financial-insecurity", "Financial Insecurity"),
    "food": ("food-insecurity", "Food Insecurity"),
}
UNSPECIFIED = ("sdoh-category-unspecified", "SDOH Category Unspecified")
SOCIAL_KINDS = frozenset({*SDOH_CATEGORY, "id-documents", "civil-legal"})


IMPLIED = gettext_lazy("implied by the status the provider's system sent")


class FhirRefused(refusals.Refused):
    """A bundle that cannot be imported: each message names the element (``entry[0].resource.status``)."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# Export ---------------------------------------------------------------------------------------------------
def referral_system() -> str:
    """The identifier system of this site's referrals (LEADLINE_FHIR_SYSTEM; by default the address they
    live at). It must never change once bundles have gone out."""
    return str(settings.LEADLINE_FHIR_SYSTEM)


def version_extension() -> str:
    """Leadline's version of the referral a Task was exported from. An extension, not meta.versionId: a
    provider's FHIR server rewrites meta.versionId when it stores the Task; an extension it keeps."""
    return f"{referral_system()}/fhir/StructureDefinition/referral-version"


def _id(kind: str, key: Any) -> str:
    """A stable id per resource: the same referral exports with the same ids every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{referral_system()}/{kind}/{key}"))


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _ref(kind: str, key: Any, display: str = "") -> dict[str, str]:
    ref = {"reference": f"urn:uuid:{_id(kind, key)}"}
    if display:
        ref["display"] = display
    return ref


def _site_name() -> str:

    site = Site.objects.first()
    return site.name if site else "LEAD program"


def referral_bundle(referral: ServiceReferral, *, consent: Any = None, notice: Any = None) -> dict[str, Any]:
    """The referral as a FHIR R4 collection Bundle. ``consent``: the consent in force under which the
    provider may see who the referral is for (name, phone, language, the reason), or None: the minimum;
    ``notice``: the 42 CFR 2.32 notice that goes with a Part 2 disclosure (in the Consent's narrative)."""

    org, service, participant = referral.organization, referral.service, referral.participant
    terms = list(service.terms.all())
    codes = {t.code for t in terms} | {t.parent.code for t in terms if t.parent_id and t.parent}
    categories = [SDOH_CATEGORY[c] for c in sorted(codes) if c in SDOH_CATEGORY] or [UNSPECIFIED]
    _events, status_reason = history_for(None, referral, by_link=True)  # what the provider's side may read
    provider_ref = _ref("Organization", org.pk, org.name)
    program_ref = _ref("Organization", "program", _site_name())
    patient_ref = _ref("Patient", referral.pk)

    task: dict[str, Any] = {
        "resourceType": "Task", "id": _id("Task", referral.pk),
        "meta": {"versionId": str(referral.version), "lastUpdated": _instant(referral.updated_at),
                 "profile": [PROFILE_TASK]},
        "extension": [{"url": version_extension(), "valueInteger": referral.version}],
        "identifier": [{"system": referral_system(), "value": referral.reference}],
        "status": referral.status, "intent": "order",
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill",
                             "display": "Fulfill the focal request"}]},
        "focus": _ref("ServiceRequest", referral.pk, service.name), "for": patient_ref,
        "authoredOn": _instant(referral.requested_at), "lastModified": _instant(referral.updated_at),
        "requester": program_ref, "owner": provider_ref,
    }  # fmt: skip
    if status_reason:
        task["statusReason"] = {"text": status_reason}
    if referral.outcome:  # free text: a note (the guide's coded output slice needs a US Core procedure code)
        task["note"] = [{"text": referral.outcome}]

    request: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": _id("ServiceRequest", referral.pk),
        "meta": {"profile": [PROFILE_SERVICE_REQUEST]},
        "identifier": [{"system": referral_system(), "value": referral.reference}],
        "status": REQUEST_STATUS[referral.status], "intent": "order",
        "category": [{"coding": [{"system": SDOHCC_CODES, "code": code, "display": label}]}
                     for code, label in categories],
        "code": {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}],
                 "text": service.name},
        "subject": patient_ref, "authoredOn": _instant(referral.requested_at),
        "requester": program_ref, "performer": [provider_ref],
    }  # fmt: skip
    if codes & SOCIAL_KINDS:
        request["category"].insert(0, {"coding": [{"system": SNOMED, "code": "410606002",
                                                   "display": "Social service procedure"}]})  # fmt: skip

    patient: dict[str, Any] = {
        "resourceType": "Patient", "id": _id("Patient", referral.pk),
        "identifier": [{"system": f"{referral_system()}/subject", "value": referral.reference}],
        "gender": "unknown",
    }  # fmt: skip
    entries: list[dict[str, Any]] = [task, request, patient]
    security = [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}]
    if consent is not None:  # who it is for, what for, and under which consent
        patient["name"] = [{"given": [participant.given_name], "family": participant.family_name}]
        if participant.phone:
            patient["telecom"] = [{"system": "phone", "value": participant.phone}]
        if participant.language:
            language = {"coding": [{"system": "urn:ietf:bcp:47", "code": participant.language}]}
            patient["communication"] = [{"language": language, "preferred": True}]
        request["reasonCode"] = [{"text": referral.reason}]
        request["supportingInfo"] = [_ref("Consent", consent.pk)]
        entries.append(_consent(consent, patient_ref, program_ref, provider_ref, notice))
        security += [{"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
                     {"system": ACT_CODE, "code": "NORDSCLCD",
                      "display": "no redisclosure without consent directive"}]  # fmt: skip
    else:
        patient["name"] = [{"extension": [{"url": DATA_ABSENT, "valueCode": "masked"}]}]
    entries += [
        {"resourceType": "Organization", "id": _id("Organization", org.pk), "active": True, "name": org.name,
         "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{org.pk}"}],
         **({"telecom": [{"system": "email", "value": org.email}]} if org.email else {})},
        {"resourceType": "Organization", "id": _id("Organization", "program"), "active": True,
         "name": _site_name()},
    ]  # fmt: skip
    return {
        "resourceType": "Bundle", "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _instant(clock.now()), "security": security},
        "type": "collection", "timestamp": _instant(clock.now()),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
    }  # fmt: skip


def _consent(
    consent: Any, patient_ref: dict, program_ref: dict, provider_ref: dict, notice: Any
) -> dict[str, Any]:
    """The participant's Part 2 consent as an SDOHCC Consent: who may receive (the provider), for how
    long, under which law; the signed form itself stays in Leadline. The 2.32 notice that must go with
    the disclosure is its narrative."""
    from django.utils.html import escape, linebreaks

    period: dict[str, str] = {"start": consent.given_at.date().isoformat()}
    if consent.expires_on:
        period["end"] = consent.expires_on.isoformat()
    narrative = {}
    if notice is not None:
        div = f'<div xmlns="http://www.w3.org/1999/xhtml">{linebreaks(escape(notice.text))}</div>'
        narrative = {"text": {"status": "additional", "div": div}}
    return {
        "resourceType": "Consent", "id": _id("Consent", consent.pk), "meta": {"profile": [PROFILE_CONSENT]},
        **narrative,
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy", "display": "Privacy Consent"}]},
        "category": [{"coding": [{"system": ACT_CODE, "code": "IDSCL", "display": "information disclosure"}]},
                     {"coding": [{"system": "http://loinc.org", "code": "59284-0",
                                  "display": "Patient Consent"}]}],
        "patient": patient_ref, "dateTime": _instant(consent.given_at), "organization": [program_ref],
        "sourceAttachment": {"title": consent.purpose[:200] or "Consent to disclose",
                             "creation": _instant(consent.signed_at or consent.given_at)},
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"}]},
        "provision": {
            "type": "permit", "period": period,
            "actor": [{"role": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP",
                "display": "information recipient"}]}, "reference": provider_ref}],
            "action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction",
                                    "code": "disclose", "display": "Disclose"}]}],
        },
    }  # fmt: skip


# Checking -------------------------------------------------------------------------------------------------
def _model_errors(exc: Any, path: list[str]) -> list[str]:
    from fhirclient.models.fhirabstractbase import FHIRValidationError

    here = [*path, exc.path] if getattr(exc, "path", None) else path
    found: list[str] = []
    for inner in getattr(exc, "errors", []):
        if isinstance(inner, FHIRValidationError):
            found += _model_errors(inner, here)
        else:
            where = ".".join(here).replace("entry.", "entry[").replace(".resource", "].resource")
            found.append(f"{where or 'Bundle'}: {str(inner).strip()}")
    return found


def validate(bundle: Any) -> list[str]:
    """Everything wrong with ``bundle`` as an R4 Bundle of a Gravity referral: first by the FHIR model
    library (types, cardinality, formats, unknown elements), then the guide's rules the library does not
    know (fixed codes, the referral statuses, what each profile makes mandatory)."""
    from fhirclient.models.bundle import Bundle
    from fhirclient.models.fhirabstractbase import FHIRValidationError

    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return [_("resourceType: the file must be a FHIR Bundle.")]
    try:
        Bundle(bundle, strict=True)
    except FHIRValidationError as exc:
        return _model_errors(exc, [])
    problems: list[str] = []
    for n, entry in enumerate(bundle.get("entry") or []):
        resource, where = entry.get("resource") or {}, f"entry[{n}].resource"
        kind = resource.get("resourceType")
        if kind == "Task":
            problems += _task_problems(resource, where)
        elif kind == "ServiceRequest":
            if not resource.get("category"):
                problems.append(f"{where}.category: " + _("an SDOH category is required."))
            if not (resource.get("code") or {}).get("coding"):
                problems.append(f"{where}.code: " + _("a coded service is required."))
            for name in ("subject", "status", "intent"):
                if not resource.get(name):
                    problems.append(f"{where}.{name}: " + _("required."))
        elif kind == "Consent":
            for name in ("patient", "dateTime", "organization", "provision"):
                if not resource.get(name):
                    problems.append(f"{where}.{name}: " + _("required."))
            if not (resource.get("policy") or resource.get("policyRule")):
                problems.append(f"{where}.policyRule: " + _("a policy or policy rule is required (ppc-1)."))
            if not (resource.get("sourceAttachment") or resource.get("sourceReference")):
                problems.append(f"{where}.source[x]: " + _("required."))
    return problems


def _task_problems(task: dict[str, Any], where: str) -> list[str]:
    problems = []
    if task.get("status") not in TASK_STATUSES:
        message = _("“%(code)s” is not a referral status (%(codes)s).")
        codes = ", ".join(sorted(TASK_STATUSES))
        problems.append(f"{where}.status: " + message % {"code": task.get("status"), "codes": codes})
    if task.get("intent") != "order":
        problems.append(f"{where}.intent: " + _("must be “order”."))
    codings = (task.get("code") or {}).get("coding") or []
    if not any(c.get("code") == "fulfill" for c in codings):
        problems.append(f"{where}.code: " + _("must be “fulfill”."))
    for name in ("focus", "for", "authoredOn", "requester"):
        if not task.get(name):
            problems.append(f"{where}.{name}: " + _("required."))
    if "statusReason" in task and not (task["statusReason"] or {}).get("text"):
        problems.append(f"{where}.statusReason.text: " + _("required when there is a status reason."))
    texts = [("statusReason.text", (task.get("statusReason") or {}).get("text") or "", 300),
             ("note", _outcome(task), 500)]  # fmt: skip
    for element, text, limit in texts:
        if len(str(text)) > limit:
            problems.append(f"{where}.{element}: " + _("at most %(n)s characters.") % {"n": limit})
        if "\x00" in str(text):
            problems.append(f"{where}.{element}: " + _("contains a NUL character."))
    return problems


# Import ---------------------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (reference, from, to)
    unchanged: list[str] = field(default_factory=list)


def _outcome(task: dict[str, Any]) -> str:
    for out in task.get("output") or []:
        concept = out.get("valueCodeableConcept") or {}
        text = concept.get("text") or next((c.get("display") for c in concept.get("coding") or []), "")
        if text:
            return str(text)
    return next((str(n["text"]) for n in task.get("note") or [] if n.get("text")), "")


def _path(start: str, goal: str) -> list[str] | None:
    """The provider's moves from ``start`` to ``goal`` (a system that reports "completed" straight
    after "requested" accepted it first), shortest first; None when there is no way."""

    frontier, seen = [[start]], {start}
    while frontier:
        route = frontier.pop(0)
        if route[-1] == goal:
            return route[1:]
        for nxt in PROVIDER_MOVES.get(route[-1], ()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append([*route, nxt])
    return None


def parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FhirRefused([_("The file is not JSON: %(error)s") % {"error": exc}]) from exc


def import_bundle(*, actor: User, bundle: Any) -> ImportResult:
    """Apply the Tasks of ``bundle`` that are this site's referrals to the provider's organisation, as
    ``actor``'s answers. All or nothing: every Task is checked before any is applied."""
    from django.db import transaction

    problems = validate(bundle)
    if problems:
        raise FhirRefused(problems)
    plan: list[tuple[ServiceReferral, list[str], str, str, str]] = []
    result = ImportResult()
    tasks = [(n, e["resource"]) for n, e in enumerate(bundle.get("entry") or [])
             if (e.get("resource") or {}).get("resourceType") == "Task"]  # fmt: skip
    if not tasks:
        raise FhirRefused([_("entry: the bundle has no Task to import.")])
    visible = referrals_visible_to(actor)
    seen: set[int] = set()
    for n, task in tasks:
        where = f"entry[{n}].resource"
        ours = [i.get("value") for i in task.get("identifier") or [] if i.get("system") == referral_system()]
        number = re.fullmatch(r"SR-(\d{1,12})", str(ours[0]), re.ASCII) if ours else None
        referral = visible.filter(pk=int(number.group(1))).first() if number else None
        if referral is None:
            raise FhirRefused(
                [f"{where}.identifier: " + _("not a referral of this site to your organisation.")]
            )
        if referral.pk in seen:
            twice = _("%(ref)s is in the bundle twice: send one Task for it.") % {"ref": referral.reference}
            raise FhirRefused([f"{where}.identifier: {twice}"])
        seen.add(referral.pk)
        if task["status"] == referral.status:
            result.unchanged.append(referral.reference)
            continue
        version = next((x.get("valueInteger") for x in task.get("extension") or []
                        if x.get("url") == version_extension()), None)  # fmt: skip
        if version != referral.version:
            raise FhirRefused([f"{where}.extension: " + _(
                "%(ref)s has changed in Leadline since this Task was exported (version %(now)s; the Task has "
                "%(old)s). Export it again and apply your answer to the new copy."
            ) % {"ref": referral.reference, "now": referral.version, "old": version or "none"}])  # fmt: skip
        route = _path(referral.status, task["status"])
        if referral.status == S.REQUESTED and task["status"] == S.FAILED:
            route = None  # a referral never accepted is declined (rejected), not failed
        if route is None:
            message = _("%(ref)s is %(now)s in Leadline; it cannot become %(to)s.")
            now, to = referral.get_status_display(), S(task["status"]).label
            raise FhirRefused(
                [f"{where}.status: " + message % {"ref": referral.reference, "now": now, "to": to}]
            )
        reason = str((task.get("statusReason") or {}).get("text") or "")
        plan.append((referral, route, reason, _outcome(task), where))
    with transaction.atomic(durable=True):
        for referral, route, reason, outcome, where in plan:
            version = referral.version
            for step in route:
                try:  # a step the provider's system skipped is recorded, and says so
                    last = step == route[-1]
                    said = reason if last else str(IMPLIED)
                    moved = referral_move(actor=actor, referral_id=referral.pk, to=step, version=version,
                                          reason=said, outcome=outcome)  # fmt: skip
                except ReferralRefused as exc:
                    element = {"reason": "statusReason.text", "outcome": "note"}.get(
                        exc.field or "", "status"
                    )
                    raise FhirRefused([f"{where}.{element}: {exc.message}"]) from exc
                version = moved.version
            result.changed.append((referral.reference, referral.status, route[-1]))
    return result

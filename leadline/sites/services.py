"""Exporting and importing a site's whole configuration as one JSON file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError

from leadline.accounts.models import Agency, User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import refusals
from leadline.sites.models import EligibleOffence, Exclusion, PolicyVersion, Site

FORMAT = "leadline-site"
FORMAT_VERSION = 1

SITE_FIELDS = [
    "name", "time_zone", "languages", "legal_mode", "expunge_after_days", "no_file_window_days",
    "caseload_soft_limit", "caseload_hard_limit", "small_cell_threshold", "lead_line_phone",
    "handoff_target_minutes", "handoff_ack_minutes", "participation_contacts", "legal_warning_days",
    "sealed_retention_days", "notice_recipient", "clearance_notice_text", "directory_stale_days",
]  # fmt: skip
POLICY_FIELDS = [
    "label", "effective_from", "effective_to", "minimum_age", "drug_quantity_cap_grams",
    "social_contact_lookback_months", "aggrieved_party_agreement_required", "notes",
]  # fmt: skip


class SiteImportError(refusals.Refused):
    """A site configuration file refused: every problem in it, each naming where it is."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def site_export(*, site: Site) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "site": {f: _plain(getattr(site, f)) for f in SITE_FIELDS},
        "agencies": [
            {"name": a.name, "kind": a.kind, "parent": a.parent.name if a.parent else None, "phone": a.phone}
            for a in Agency.objects.select_related("parent").order_by(F("parent_id").asc(nulls_first=True), "name")
        ],
        "policy_versions": [
            _version_dict(pv, list(pv.offences.all()), list(pv.exclusions.all()))
            for pv in site.policy_versions.prefetch_related("offences", "exclusions").order_by("effective_from")
        ],
    }  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return value


def _version_dict(
    pv: PolicyVersion, offences: list[EligibleOffence], exclusions: list[Exclusion]
) -> dict[str, Any]:
    return {
        **{f: _plain(getattr(pv, f)) for f in POLICY_FIELDS},
        "offences": sorted(
            ({"statute": o.statute, "description": o.description,
              "drug_quantity_cap_applies": o.drug_quantity_cap_applies} for o in offences),
            key=lambda o: o["statute"],
        ),
        "exclusions": sorted(
            ({"code": e.code, "description": e.description, "lookback_years": e.lookback_years}
             for e in exclusions),
            key=lambda e: e["code"],
        ),
    }  # fmt: skip


def _check(obj: Any, where: str, errors: list[str], exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            name = where if field == "__all__" else f"{where}.{field}"
            errors.extend(f"{name}: {m}" for m in messages)


def _require(data: Any, key: str, kind: type, where: str, errors: list[str]) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind):
        errors.append(f"{where}.{key}: required ({kind.__name__})")
        return kind()
    return value


def site_import(*, actor: User | None, data: Any) -> Site:
    """Replace the site's configuration with the file's, all or nothing.

    Every problem is reported at once, each naming where in the file it is; nothing is written
    unless the whole file is valid.
    """
    errors: list[str] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SiteImportError([f'format: expected "{FORMAT}"'])
    if data.get("format_version") != FORMAT_VERSION:
        raise SiteImportError([f"format_version: expected {FORMAT_VERSION}"])
    site_data = _require(data, "site", dict, "file", errors)
    agencies = _require(data, "agencies", list, "file", errors)
    versions = _require(data, "policy_versions", list, "file", errors)
    if errors:
        raise SiteImportError(errors)

    with transaction.atomic():
        site = Site.objects.order_by("pk").first() or Site()
        before = site_export(site=site) if site.pk else {}
        for f in SITE_FIELDS:
            if f in site_data:
                setattr(site, f, site_data[f])
        _check(site, "site", errors)

        seen_agencies: set[str] = set()
        for i, a in enumerate(agencies):
            where = f"agencies[{i}]"
            if not isinstance(a, dict) or not a.get("name"):
                errors.append(f"{where}.name: required")
                continue
            if a["name"] in seen_agencies:
                errors.append(f'{where}.name: duplicate "{a["name"]}"')
            seen_agencies.add(a["name"])
            if a.get("kind") not in Agency.Kind.values:
                errors.append(f"{where}.kind: must be one of {', '.join(Agency.Kind.values)}")
            if a.get("parent") and a["parent"] not in seen_agencies:
                errors.append(f'{where}.parent: "{a["parent"]}" must be listed before it')

        labels: set[str] = set()
        parsed_versions = []
        for i, v in enumerate(versions):
            where = f"policy_versions[{i}]"
            if not isinstance(v, dict):
                errors.append(f"{where}: must be an object")
                continue
            pv = PolicyVersion(site=site, **{f: v.get(f) for f in POLICY_FIELDS if f in v})
            if "aggrieved_party_agreement_required" not in v and site.pk is not None:
                # A file written before the setting existed: an existing version keeps its stored value
                # (the default would change it, or be refused once the version has decided referrals).
                stored = (
                    PolicyVersion.objects.filter(site=site, label=pv.label)
                    .values_list("aggrieved_party_agreement_required", flat=True)
                    .first()
                )
                if stored is not None:
                    pv.aggrieved_party_agreement_required = stored
            _check(pv, where, errors, exclude=["site"])
            if pv.label in labels:
                errors.append(f'{where}.label: duplicate "{pv.label}"')
            labels.add(pv.label)
            offences = []
            for j, o in enumerate(v.get("offences") or []):
                off = EligibleOffence(
                    **{k: o.get(k) for k in ("statute", "description") if k in o},
                    drug_quantity_cap_applies=bool(o.get("drug_quantity_cap_applies")),
                )
                _check(off, f"{where}.offences[{j}]", errors, exclude=["policy_version"])
                offences.append(off)
            exclusions = []
            for j, e in enumerate(v.get("exclusions") or []):
                exc = Exclusion(**{k: e.get(k) for k in ("code", "description", "lookback_years") if k in e})
                _check(exc, f"{where}.exclusions[{j}]", errors, exclude=["policy_version"])
                exclusions.append(exc)
            parsed_versions.append((pv, offences, exclusions))
        if errors:
            raise SiteImportError(errors)

        site.save()
        by_name = {a.name: a for a in Agency.objects.all()}
        for a in agencies:
            agency = by_name.get(a["name"]) or Agency(name=a["name"])
            agency.kind = a["kind"]
            agency.phone = a.get("phone") or ""
            agency.parent = by_name.get(a["parent"]) if a.get("parent") else None
            agency.save()
            by_name[agency.name] = agency
        for i, (pv, offences, exclusions) in enumerate(parsed_versions):
            existing = site.policy_versions.filter(label=pv.label).first()
            if existing is not None:
                incoming = _version_dict(pv, offences, exclusions)
                if (
                    _version_dict(existing, list(existing.offences.all()), list(existing.exclusions.all()))
                    == incoming
                ):
                    continue  # unchanged
                pv.pk = existing.pk
            pv.site = site
            pv.save()
            try:
                with transaction.atomic():
                    pv.offences.all().delete()
                    pv.exclusions.all().delete()
            except ProtectedError:
                # Decisions were made under this version: it is the record of why, and cannot change.
                raise SiteImportError(
                    [
                        f'policy_versions[{i}]: version "{pv.label}" has already decided referrals and cannot '
                        "be changed; add a new version with a later effective date"
                    ]
                ) from None
            for off in offences:
                off.policy_version = pv
            for exc in exclusions:
                exc.policy_version = pv
            EligibleOffence.objects.bulk_create(offences)
            Exclusion.objects.bulk_create(exclusions)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="site_config",
            subject_id=site.pk,
            reason="site configuration imported",
            changes={
                "before_versions": [v["label"] for v in before.get("policy_versions", [])],
                "after_versions": sorted(labels),
            },
        )
    return site


def site_mark_demo(*, site: Site) -> None:
    """Mark the site as the embedded demo (only the demo seed and the test world do; a site file never
    carries it, so no import can make a real site a demo, nor the demo a real site)."""
    if not site.is_demo:
        Site.objects.filter(pk=site.pk).update(is_demo=True)
        site.is_demo = True

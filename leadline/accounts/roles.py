"""The roles of PRODUCT.md §2 and the capabilities each holds.

Permissions are data (CONVENTIONS habit 5): named capabilities in view/edit pairs, each granted to a
role with a *scope* that says which records it reaches. docs/permissions.md is the human-readable copy
of ROLE_CAPABILITIES; tests/test_matrix.py fails if the two disagree.

Every capability also names the *data class* it exposes. The data firewall (policy.firewall_allows)
refuses some data classes to some roles whatever this table says, so a mistaken grant here can never
open case notes, contact locations or health data to law enforcement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    OFFICER = "officer"
    POLICE_LIAISON = "police_liaison"
    CASE_MANAGER = "case_manager"
    OUTREACH_WORKER = "outreach_worker"
    PROGRAM_MANAGER = "program_manager"
    PROSECUTOR = "prosecutor"
    DEFENDER = "defender"
    PROVIDER_STAFF = "provider_staff"
    EVALUATOR = "evaluator"
    SITE_ADMIN = "site_admin"


ROLE_LABELS = {
    Role.OFFICER: _("Patrol officer"),
    Role.POLICE_LIAISON: _("Police LEAD liaison / sergeant"),
    Role.CASE_MANAGER: _("Case manager"),
    Role.OUTREACH_WORKER: _("Outreach worker"),
    Role.PROGRAM_MANAGER: _("Program manager"),
    Role.PROSECUTOR: _("Liaison prosecutor"),
    Role.DEFENDER: _("Defender"),
    Role.PROVIDER_STAFF: _("Service provider staff"),
    Role.EVALUATOR: _("Evaluator / analyst"),
    Role.SITE_ADMIN: _("Site administrator"),
}

LAW_ENFORCEMENT_ROLES = frozenset({Role.OFFICER, Role.POLICE_LIAISON})
CRIMINAL_JUSTICE_ROLES = LAW_ENFORCEMENT_ROLES | {Role.PROSECUTOR, Role.DEFENDER}


class DataClass(StrEnum):
    """What kind of information a capability exposes; the firewall speaks in these."""

    CONFIG = "config"  # site configuration, users, agencies: no participant content
    OPERATIONAL = "operational"  # referrals, hand-offs, enrolment yes/no, non-clinical outcome
    IDENTITY = "identity"  # names, date of birth, photo, status
    WHEREABOUTS = "whereabouts"  # last known whereabouts (where to find a person)
    CASE_NOTES = "case_notes"
    CONTACT_LOCATIONS = "contact_locations"
    HEALTH = "health"  # physical and mental health
    SUBSTANCE_USE = "substance_use"  # 42 CFR Part 2 treatment information
    LEGAL = "legal"  # legal matters, holds, deadlines
    AUDIT = "audit"  # who did what (metadata, never content)
    DEIDENTIFIED = "deidentified"  # evaluation data without names, identifiers or free text


# The firewall (PRODUCT.md §4 rule 1, §2 "never sees"). Enforced in policy.firewall_allows.
FIREWALL: dict[DataClass, frozenset[Role]] = {
    DataClass.CASE_NOTES: CRIMINAL_JUSTICE_ROLES,
    DataClass.CONTACT_LOCATIONS: CRIMINAL_JUSTICE_ROLES,
    DataClass.HEALTH: CRIMINAL_JUSTICE_ROLES,
    DataClass.SUBSTANCE_USE: CRIMINAL_JUSTICE_ROLES,
    # LEAD is not an informant programme: police never learn where a participant can be found.
    DataClass.WHEREABOUTS: LAW_ENFORCEMENT_ROLES,
}


class Scope(StrEnum):
    """Which records a grant reaches."""

    ALL = "all"  # every record in the program
    AGENCY = "agency"  # records of the user's own agency
    PRECINCT = "precinct"  # records of the user's precinct
    CASELOAD = "caseload"  # participants assigned to the user
    OWN = "own"  # records the user created (e.g. an officer's own referrals)
    CLIENTS = "clients"  # a defender's own clients
    ORGANISATION = "organisation"  # referrals sent to the provider's organisation
    SITE = "site"  # site configuration (no participant content)


@dataclass(frozen=True)
class Capability:
    name: str  # "<thing>.<view|edit>"
    data_class: DataClass
    label: str


def _pair(thing: str, data_class: DataClass, label: str) -> list[Capability]:
    return [
        Capability(f"{thing}.view", data_class, f"view {label}"),
        Capability(f"{thing}.edit", data_class, f"edit {label}"),
    ]


CAPABILITIES: dict[str, Capability] = {
    cap.name: cap
    for cap in [
        *_pair("referral", DataClass.OPERATIONAL, "referrals and their non-clinical outcome"),
        Capability("eligibility_override.edit", DataClass.OPERATIONAL, "override an ineligible decision"),
        *_pair(
            "community_referral", DataClass.OPERATIONAL, "community referrals from a partner organisation"
        ),
        Capability(
            "community_approval.edit", DataClass.OPERATIONAL, "approve or decline community referrals"
        ),
        *_pair("handoff", DataClass.OPERATIONAL, "hand-off requests and on-call"),
        Capability("lookup.view", DataClass.OPERATIONAL, "field lookup: enrolled yes/no + LEAD line"),
        *_pair("participant_card", DataClass.IDENTITY, "a participant's limited card"),
        *_pair("participant_record", DataClass.IDENTITY, "a participant's full identity record"),
        *_pair("whereabouts", DataClass.WHEREABOUTS, "last known whereabouts"),
        *_pair("case_notes", DataClass.CASE_NOTES, "general case notes"),
        # That a contact or outreach attempt happened, when and how (not where, not what was said):
        # program-internal, and like whereabouts it helps find a person, so police never get it.
        *_pair("contact", DataClass.WHEREABOUTS, "contacts and outreach attempts (when, how, reached)"),
        *_pair("contact_locations", DataClass.CONTACT_LOCATIONS, "where contacts happened"),
        *_pair("monthly_status", DataClass.CASE_NOTES, "monthly housing, employment and income status"),
        *_pair("health", DataClass.HEALTH, "health and mental-health information"),
        *_pair("substance_use", DataClass.SUBSTANCE_USE, "substance-use treatment information (Part 2)"),
        *_pair("consent", DataClass.IDENTITY, "a participant's consents to share information"),
        # What a recipient outside the program reads under a participant's consent; what each one
        # actually sees is decided per participant and per piece of information by consents.policy.
        Capability(
            "progress_summary.view",
            DataClass.OPERATIONAL,
            "progress summaries under the participant's consent",
        ),
        Capability("participant_export.view", DataClass.IDENTITY, "export participant lists"),
        *_pair("caseload", DataClass.IDENTITY, "caseload assignment"),
        *_pair("legal_matter", DataClass.LEGAL, "legal matters, holds and deadlines"),
        # The countdown alone (the last day of a diversion window, never the charge): for those who must
        # find the participant and finish intake before it runs out.
        Capability("legal_clock.view", DataClass.OPERATIONAL, "legal deadlines (the countdown only)"),
        Capability(
            "sealing_report.view", DataClass.AUDIT, "the sealing report (counts and dates, no content)"
        ),
        *_pair("service_referral", DataClass.OPERATIONAL, "service referrals"),
        # The directory of services (HSDS): no participant content. A provider edits its own listings.
        *_pair("directory", DataClass.CONFIG, "the service directory"),
        # The operational workgroup (issue #8): meetings, agendas, minutes, decisions, action items. Each
        # agenda item is shown to each member through their role and the participant's consents.
        *_pair("workgroup", DataClass.OPERATIONAL, "the operational workgroup's meetings"),
        Capability("policy_pack.view", DataClass.AUDIT, "the Policy Coordinating Group pack (aggregates)"),
        # The operational dashboard (issue #17 item 6): counts only, never a person; the program's own staff.
        # Its exports of participants and contacts need participant_export.view on top.
        Capability("operations.view", DataClass.OPERATIONAL, "the operational dashboard (counts only)"),
        # Threads about a participant; who may be in one is decided per participant by consents.policy.
        *_pair("message", DataClass.OPERATIONAL, "messages about a participant"),
        Capability("notification_outbox.view", DataClass.CONFIG, "the notification outbox (no content)"),
        Capability("evaluation.view", DataClass.DEIDENTIFIED, "de-identified evaluation data"),
        Capability("audit_report.view", DataClass.AUDIT, "audit reports"),
        *_pair("site_config", DataClass.CONFIG, "site configuration"),
        *_pair("user_account", DataClass.CONFIG, "user accounts"),
        Capability("break_glass.edit", DataClass.CONFIG, "open audited break-glass access"),
        *_pair("api_token", DataClass.CONFIG, "own API tokens"),
    ]
}

A, AG, PR, CL, OWN, CLI, ORG, SITE = (
    Scope.ALL,
    Scope.AGENCY,
    Scope.PRECINCT,
    Scope.CASELOAD,
    Scope.OWN,
    Scope.CLIENTS,
    Scope.ORGANISATION,
    Scope.SITE,
)

_TOKENS = {"api_token.view": OWN, "api_token.edit": OWN}

ROLE_CAPABILITIES: dict[Role, dict[str, Scope]] = {
    Role.OFFICER: {
        "referral.view": OWN, "referral.edit": OWN,
        "handoff.view": OWN, "handoff.edit": OWN,
        "lookup.view": A,
        "workgroup.view": OWN,
        **_TOKENS,
    },
    Role.POLICE_LIAISON: {
        "referral.view": PR, "referral.edit": PR,
        "handoff.view": PR,
        "lookup.view": A,
        "workgroup.view": OWN,
        **_TOKENS,
    },
    Role.CASE_MANAGER: {
        "referral.view": A, "referral.edit": A,
        "handoff.view": A, "handoff.edit": A,
        "lookup.view": A,
        "participant_card.view": A,
        "participant_record.view": CL, "participant_record.edit": CL,
        "whereabouts.view": CL, "whereabouts.edit": CL,
        "case_notes.view": CL, "case_notes.edit": CL,
        "contact.view": CL, "contact.edit": CL,
        "contact_locations.view": CL, "contact_locations.edit": CL,
        "monthly_status.view": CL, "monthly_status.edit": CL,
        "health.view": CL, "health.edit": CL,
        "substance_use.view": CL, "substance_use.edit": CL,
        "consent.view": CL, "consent.edit": CL,
        "caseload.view": CL,
        "legal_matter.view": CL,
        "legal_clock.view": CL,
        "service_referral.view": CL, "service_referral.edit": CL,
        "directory.view": A,
        "workgroup.view": OWN, "workgroup.edit": OWN,
        "operations.view": A,
        "message.view": CL, "message.edit": CL,
        **_TOKENS,
    },
    Role.OUTREACH_WORKER: {
        "lookup.view": A,
        "participant_card.view": A,
        "whereabouts.view": A, "whereabouts.edit": A,
        # Outreach logs attempts to find people, with where they looked (inside the program), but
        # reads no summaries (case content).
        "contact.view": A, "contact.edit": A,
        "contact_locations.view": A, "contact_locations.edit": A,
        "legal_clock.view": A,
        "directory.view": A,
        "workgroup.view": OWN,
        **_TOKENS,
    },
    Role.PROGRAM_MANAGER: {
        "referral.view": A, "referral.edit": A,
        "eligibility_override.edit": A,
        "community_approval.edit": A,
        "handoff.view": A, "handoff.edit": A,
        "lookup.view": A,
        "participant_card.view": A, "participant_card.edit": A,
        "participant_record.view": A, "participant_record.edit": A,
        "whereabouts.view": A, "whereabouts.edit": A,
        "case_notes.view": A, "case_notes.edit": A,
        "contact.view": A, "contact.edit": A,
        "contact_locations.view": A, "contact_locations.edit": A,
        "monthly_status.view": A, "monthly_status.edit": A,
        "health.view": A, "health.edit": A,
        "substance_use.view": A, "substance_use.edit": A,
        "consent.view": A, "consent.edit": A,
        "participant_export.view": A,
        "caseload.view": A, "caseload.edit": A,
        "legal_matter.view": A,
        "legal_clock.view": A,
        "sealing_report.view": A,
        "service_referral.view": A, "service_referral.edit": A,
        "directory.view": A, "directory.edit": A,
        "evaluation.view": A,
        "audit_report.view": A,
        "site_config.view": SITE,
        "workgroup.view": A, "workgroup.edit": A,
        "policy_pack.view": A,
        "operations.view": A,
        "message.view": A, "message.edit": A,
        "notification_outbox.view": SITE,
        **_TOKENS,
    },
    Role.PROSECUTOR: {
        "legal_matter.view": A, "legal_matter.edit": A,
        "progress_summary.view": A,
        "workgroup.view": OWN,
        "message.view": A, "message.edit": A,
        **_TOKENS,
    },
    Role.DEFENDER: {
        "legal_matter.view": CLI,
        "progress_summary.view": CLI,
        "workgroup.view": OWN,
        "message.view": CLI, "message.edit": CLI,
        **_TOKENS,
    },
    Role.PROVIDER_STAFF: {
        "community_referral.view": ORG, "community_referral.edit": ORG,
        "service_referral.view": ORG, "service_referral.edit": ORG,
        "progress_summary.view": ORG,
        "directory.view": ORG, "directory.edit": ORG,
        "workgroup.view": OWN,
        "message.view": ORG, "message.edit": ORG,
        **_TOKENS,
    },
    Role.EVALUATOR: {
        "evaluation.view": A,
        "policy_pack.view": A,
        **_TOKENS,
    },
    Role.SITE_ADMIN: {
        "site_config.view": SITE, "site_config.edit": SITE,
        "user_account.view": SITE, "user_account.edit": SITE,
        "audit_report.view": A,
        "sealing_report.view": A,
        "break_glass.edit": SITE,
        "directory.view": A, "directory.edit": A,
        "policy_pack.view": A,
        "notification_outbox.view": SITE,
        **_TOKENS,
    },
}  # fmt: skip

# What an administrator may read, and only through an open break-glass grant (PRODUCT §2).
BREAK_GLASS_CAPABILITIES = frozenset(
    {
        "participant_card.view",
        "participant_record.view",
        "whereabouts.view",
        "case_notes.view",
        "monthly_status.view",
        "contact.view",
        "contact_locations.view",
        "health.view",
        "substance_use.view",
    }
)

# The data classes that are a participant's information (everything but configuration, operational
# yes/no, audit metadata and de-identified data).
PARTICIPANT_DATA_CLASSES = frozenset(
    {
        DataClass.IDENTITY,
        DataClass.WHEREABOUTS,
        DataClass.CASE_NOTES,
        DataClass.CONTACT_LOCATIONS,
        DataClass.HEALTH,
        DataClass.SUBSTANCE_USE,
        DataClass.LEGAL,
    }
)

# Roles an administrator cannot give alone (decision 0034): every role one of whose capabilities reaches a
# participant's information, and the site administrator (who gives roles and proposes resets). Read from
# the table, so a grant added to a role later is covered without anyone remembering this list.
DUAL_CONTROL_ROLES = frozenset(
    {
        role
        for role, grants in ROLE_CAPABILITIES.items()
        if any(CAPABILITIES[name].data_class in PARTICIPANT_DATA_CLASSES for name in grants)
    }
    | {Role.SITE_ADMIN}
)

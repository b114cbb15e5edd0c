"""Who may see and change what of a participant. Asks accounts.policy for every decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import BREAK_GLASS_CAPABILITIES, Scope
from leadline.participants.breakglass import break_glass_active
from leadline.participants.models import Participant

# Sensitivity of a case note -> the capability needed to read / write it, on top of case_notes.*.
NOTE_VIEW_CAPABILITY = {
    "general": "case_notes.view",
    "health": "health.view",
    "substance_use": "substance_use.view",
}
NOTE_EDIT_CAPABILITY = {
    "general": "case_notes.edit",
    "health": "health.edit",
    "substance_use": "substance_use.edit",
}


def _reaches(user: User, scope: Scope | None, participant: Participant) -> bool:
    if scope is None:
        return False
    if scope is Scope.ALL:
        return True
    if scope is Scope.CASELOAD:
        return participant.case_manager_id is not None and participant.case_manager_id == user.pk
    return False


@dataclass
class ParticipantAccess:
    """What one user may do with one participant, computed once per request."""

    capabilities: set[str] = field(default_factory=set)
    break_glass_id: int | None = None

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def any(self) -> bool:
        return bool(self.capabilities)

    @property
    def note_sensitivities_visible(self) -> list[str]:
        if not self.has("case_notes.view"):
            return []
        return [s for s, cap in NOTE_VIEW_CAPABILITY.items() if self.has(cap)]

    @property
    def note_sensitivities_writable(self) -> list[str]:
        if not self.has("case_notes.edit"):
            return []
        return [s for s, cap in NOTE_EDIT_CAPABILITY.items() if self.has(cap)]


PARTICIPANT_CAPABILITIES = (
    "participant_card.view",
    "participant_card.edit",
    "participant_record.view",
    "participant_record.edit",
    "whereabouts.view",
    "whereabouts.edit",
    "case_notes.view",
    "case_notes.edit",
    "contact.view",
    "contact.edit",
    "monthly_status.view",
    "monthly_status.edit",
    "contact_locations.view",
    "contact_locations.edit",
    "health.view",
    "health.edit",
    "substance_use.view",
    "substance_use.edit",
    "consent.view",
    "consent.edit",
    "service_referral.view",
    "service_referral.edit",
)


def participant_access(user: User, participant: Participant) -> ParticipantAccess:
    access = ParticipantAccess()
    for cap in PARTICIPANT_CAPABILITIES:
        if _reaches(user, policy.scope_of(user, cap), participant):
            access.capabilities.add(cap)
    # Break-glass: a site administrator with an open, time-boxed grant may read (never write).
    # Never through an API token: break-glass is a person at a screen, with a reason, for minutes.
    if (
        not access.any
        and policy.can(user, "break_glass.edit")
        and getattr(user, "token_scopes", None) is None
    ):
        grant = break_glass_active(user=user, participant_id=participant.pk)
        if grant is not None:
            access.break_glass_id = grant.pk
            access.capabilities.update(
                cap
                for cap in BREAK_GLASS_CAPABILITIES
                if policy.firewall_allows(user, policy.CAPABILITIES[cap].data_class)
            )
    return access


def participants_visible_to(user: User) -> QuerySet[Participant]:
    """The participants a user may find in lists and search (break-glass is by id, never by list)."""
    scopes = {
        policy.scope_of(user, "participant_card.view"),
        policy.scope_of(user, "participant_record.view"),
    }
    if Scope.ALL in scopes:
        return Participant.objects.filter(merged_into__isnull=True)  # a merged duplicate is not listed
    if Scope.CASELOAD in scopes:
        return Participant.objects.filter(case_manager=user, merged_into__isnull=True)
    return Participant.objects.none()

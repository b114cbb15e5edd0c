"""Reading the directory: who may see which listings (providers: their own organisation's), the search
case managers use to find a service, and which listings are stale."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Role, Scope
from leadline.consents.policy import Info, may_disclose
from leadline.core import clock
from leadline.directory.models import Service, ServiceReferral
from leadline.sites.selectors import site_get


def _scoped(user: User, capability: str) -> QuerySet[Service]:
    scope = policy.scope_of(user, capability)
    services = Service.objects.select_related("organization")
    if scope is None:
        return services.none()
    if scope == Scope.ORGANISATION:
        return services.filter(organization__agency_id=user.agency_id) if user.agency_id else services.none()
    return services


def services_visible_to(user: User) -> QuerySet[Service]:
    return _scoped(user, "directory.view")


def services_editable_by(user: User) -> QuerySet[Service]:
    return _scoped(user, "directory.edit")


def stale_before() -> Any:
    """A listing last verified before this moment (or never) is stale."""
    site = site_get()
    return clock.now() - timedelta(days=site.directory_stale_days if site else 180)


def is_stale(service: Service) -> bool:
    return service.last_verified_at is None or service.last_verified_at < stale_before()


def stale(services: QuerySet[Service]) -> QuerySet[Service]:
    """The live listings nobody has confirmed lately (defunct ones need no checking)."""
    return services.exclude(status=Service.Status.DEFUNCT).filter(
        Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=stale_before())
    )


def directory_search(
    user: User, *, q: str = "", term: str = "", language: str = "", open_only: bool = False
) -> QuerySet[Service]:
    """Active and temporarily closed services the user may see, matching the words (name, other name,
    description, organisation), a kind of service (a term or any narrower one), a language, and, when
    asked, only those with places open now. Those with open places come first, then by name."""
    services = services_visible_to(user).filter(
        status__in=[Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED]
    )
    for word in q.split()[:6]:
        services = services.filter(
            Q(name__icontains=word) | Q(alternate_name__icontains=word) | Q(description__icontains=word)
            | Q(organization__name__icontains=word)
        )  # fmt: skip
    if term:
        services = services.filter(Q(terms__code=term) | Q(terms__parent__code=term))
    if language:
        # languages is a JSON list of codes; a containment lookup is not on SQLite, so match the quoted code
        services = services.filter(languages__icontains=f'"{language}"')
    if open_only:
        services = services.filter(status=Service.Status.ACTIVE).filter(
            Q(capacity__gt=0) | Q(capacity__isnull=True, waitlist=False)
        )
    return services.distinct().prefetch_related("terms").order_by("name", "id")


def referrals_visible_to(user: User) -> QuerySet[ServiceReferral]:
    """Service referrals: a provider's staff those sent to their organisation; a case manager those of
    their caseload; the program all."""
    scope = policy.scope_of(user, "service_referral.view")
    referrals = ServiceReferral.objects.select_related(
        "service", "organization", "participant", "requested_by"
    )
    if scope is None:
        return referrals.none()
    if scope == Scope.ORGANISATION:
        return (
            referrals.filter(organization__agency_id=user.agency_id) if user.agency_id else referrals.none()
        )
    if scope == Scope.CASELOAD:
        return referrals.filter(participant__case_manager_id=user.pk)
    return referrals


def provider_recipient(organization: Any) -> Any:
    """The organisation's staff as a recipient, for saying beforehand what they will see."""
    from types import SimpleNamespace

    return SimpleNamespace(is_authenticated=True, is_active=True, role=Role.PROVIDER_STAFF.value,
                           agency_id=organization.agency_id, pk=None)  # fmt: skip


def referral_disclosure(recipient: User, referrals: list[ServiceReferral]) -> dict[int, Any]:
    """participant id -> the consent under which ``recipient`` may see who a referral is for (name,
    phone, language, the reason), from the one decision point; absent: the minimum only."""

    answers = may_disclose(recipient=recipient, participant_ids=[r.participant_id for r in referrals],
                           info=Info.REFERRAL)  # fmt: skip
    return {r.participant_id: answers.consent(r.participant_id) for r in referrals
            if answers.allowed(r.participant_id)}  # fmt: skip

"""The one decision point for who may do what (CONVENTIONS habit 5, PRODUCT.md §2 and §4 rule 1).

Every domain's policy.py asks here; no view or template decides access on its own.

- ``scope_of(user, capability)`` – the scope a user's role grants for a capability, or None.
- ``can(user, capability)`` – the user holds the capability at some scope and the firewall allows it.
- ``users_with_capability(capability, scope=..., agency_id=...)`` – the active people who hold a capability:
  queries select people by what they may do, never by a role's name.
- ``firewall_allows(user, data_class)`` – the hard rule: law-enforcement (and, for clinical content,
  every criminal-justice) role is refused case notes, contact locations, health and treatment data and
  whereabouts, whatever the role table says, whatever token or break-glass grant is presented.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from leadline.accounts.models import User
from leadline.accounts.roles import (
    CAPABILITIES,
    CRIMINAL_JUSTICE_ROLES,
    FIREWALL,
    LAW_ENFORCEMENT_ROLES,
    ROLE_CAPABILITIES,
    DataClass,
    Role,
    Scope,
)
from leadline.core.actors import Actor


class UnknownCapability(KeyError):
    pass


def role_of(user: Actor | AnonymousUser | None) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    raw = getattr(user, "role", "")
    return Role(raw) if raw else None


def is_law_enforcement(user: Actor | AnonymousUser | None) -> bool:
    return role_of(user) in LAW_ENFORCEMENT_ROLES


def hides_sealed(user: Actor | AnonymousUser | None) -> bool:
    """PRODUCT §4 rule 3: once an infraction is cleared (its legal matter sealed), no criminal-justice role
    sees it again. True for those roles, and for anyone whose role cannot be read (it fails closed). The
    legal app applies it to records (``legal.policy.without_sealed``); this is the one place it is decided."""
    raw = getattr(user, "role", "") or ""
    return raw not in Role._value2member_map_ or Role(raw) in CRIMINAL_JUSTICE_ROLES


def firewall_allows(user: Actor | AnonymousUser | None, data_class: DataClass) -> bool:
    role = role_of(user)
    if role is None:
        return False
    return role not in FIREWALL.get(data_class, frozenset())


def scope_of(user: Actor | AnonymousUser | None, capability: str) -> Scope | None:
    """The scope the user holds ``capability`` at, or None when they do not hold it at all."""
    try:
        cap = CAPABILITIES[capability]
    except KeyError as exc:  # a typo must fail loudly, never quietly deny or allow
        raise UnknownCapability(capability) from exc
    role = role_of(user)
    if role is None or not firewall_allows(user, cap.data_class):
        return None
    scope = ROLE_CAPABILITIES.get(role, {}).get(capability)
    if scope is None:
        return None
    # An API token narrows its owner's capabilities to the scopes it was issued with.
    token_scopes = getattr(user, "token_scopes", None)
    if token_scopes is not None and capability not in token_scopes:
        return None
    return scope


def can(user: Actor | AnonymousUser | None, capability: str) -> bool:
    return scope_of(user, capability) is not None


def capabilities_of(user: Actor | AnonymousUser | None) -> dict[str, Scope]:
    return {name: scope for name in CAPABILITIES if (scope := scope_of(user, name)) is not None}


def roles_with_capability(capability: str, *, scope: Scope | None = None) -> frozenset[Role]:
    """The roles that hold ``capability`` (at ``scope``, when given) once the firewall has spoken."""
    try:
        cap = CAPABILITIES[capability]
    except KeyError as exc:
        raise UnknownCapability(capability) from exc
    return frozenset(
        role
        for role, grants in ROLE_CAPABILITIES.items()
        if (held := grants.get(capability)) is not None
        and (scope is None or held is scope)
        and role not in FIREWALL.get(cap.data_class, frozenset())
    )


def users_with_capability(
    capability: str, *, scope: Scope | None = None, agency_id: int | None = None
) -> QuerySet[User]:
    """The active people who hold ``capability`` (at ``scope``, when given), of one agency when
    ``agency_id`` is given. There is one site per installation, so no site filter is needed.

    E.g. ``caseload.view`` at ``caseload`` are the people who carry a caseload (case managers),
    ``legal_matter.edit`` the prosecutors, ``user_account.edit`` the site administrators."""
    roles = sorted(r.value for r in roles_with_capability(capability, scope=scope))
    people = User.objects.filter(is_active=True, role__in=roles)
    return people if agency_id is None else people.filter(agency_id=agency_id)

"""Who acts: the type every service and policy function takes for ``actor`` / ``user`` (issue #16, item 8).

A protocol, not the User model, so that the layers below ``accounts`` (core, audit, notifications) can name
it without importing upward, and so that a test can pass a lighter stand-in. ``accounts.models.User``
satisfies it. Public paths (Django's ``AnonymousUser``) take ``Actor | None``."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from django.http import HttpRequest


@runtime_checkable
class Actor(Protocol):
    pk: Any
    id: Any
    username: str
    role: str
    agency_id: int | None
    is_active: bool
    is_superuser: bool

    @property
    def is_authenticated(self) -> bool: ...

    def get_username(self) -> str: ...


class ActorRequest(HttpRequest):
    """The request a view behind ``login_required`` gets, in the layers below ``accounts`` (which cannot name
    the User model): its user has signed in. Above them, ``accounts.decorators.AuthedRequest`` names User.
    For the type checker only; Django builds the request as always."""

    user: Actor  # type: ignore[assignment]  # narrower than HttpRequest.user, which also allows AnonymousUser

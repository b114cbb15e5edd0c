"""What happens to every app's rows when a user is deactivated (issue #16; decision 0035).

``accounts.services.user_deactivate`` announces DEACTIVATE inside its transaction; each app answers for
the models it owns that point at a user, in its own ``hooks.py`` imported from ``AppConfig.ready()``:
a handler ``(*, actor, user, reason) -> dict[str, int]`` (the counts go on the deactivation's audit row),
or ``nothing_to_do(Event.DEACTIVATE, Model, reason="...")`` saying why the rows stay as they are (most
are a record of who did what, which a deactivation must not rewrite).

Accounts answers for the models of the apps below it (core, audit, notifications) and for the libraries'
(Django's admin log, django-otp's devices): they cannot import this module.
``accounts/tests/test_deactivation_complete.py`` fails, naming the model, when one has no answer.
"""

from __future__ import annotations

from enum import StrEnum

from leadline.core.hooks import Hooks


class Event(StrEnum):
    DEACTIVATE = "deactivate"


hooks: Hooks[Event] = Hooks("accounts.lifecycle")
register = hooks.register
nothing_to_do = hooks.nothing_to_do
run = hooks.run

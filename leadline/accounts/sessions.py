"""The session store: Django's database sessions, answering for what the request actually did.

Django saves a changed session after the view has run (every signed-in request changes it: the idle
clock). When that save fails for any database error, Django's store raises ``UpdateError`` and the session
middleware answers 400 "session interrupted" — meant for a session another request deleted (signed out
elsewhere), but also given when the database was merely busy. Under load on the embedded SQLite database
that told an officer 400 for a referral that had been saved (issue #15 item 10).

Here a database that could not take the session write (``OperationalError``: locked, busy, the connection
dropped) leaves the response as the view made it, and the session as it was before this request — which is
always the more restrictive state: an older idle clock, a second factor not yet recorded, a message not
kept. A session that no longer exists (the forced update found no row) is still refused as Django refuses
it, so a signed-out session is never written back. Creating a session (sign-in) is unchanged: that error
still reaches the user, because the sign-in did not happen.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import OperationalError

logger = logging.getLogger(__name__)


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as exc:
            if not isinstance(exc.__context__, OperationalError):
                raise
            # No session key, user or data in the log: only that the update was not kept, and why.
            logger.warning("session update not saved (the database could not take it): %s", exc.__context__)

"""The participants app's answers to its own lifecycle events and to a user's deactivation, for its own
models, the break-glass grant among them. Imported from ParticipantsConfig.ready()."""

from __future__ import annotations

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event
from leadline.participants.merge import aliases_merged, match_keys_merged, participant_rows_merged
from leadline.participants.models import (
    BreakGlassGrant,
    Participant,
    ParticipantAlias,
    ParticipantMatchKey,
    ParticipantPhoto,
    StatusChange,
)

OWN = (Participant, ParticipantAlias, ParticipantMatchKey, ParticipantPhoto, StatusChange)

lifecycle.register(Event.MERGE, (StatusChange, Participant, ParticipantPhoto), participant_rows_merged)
lifecycle.register(Event.MERGE, ParticipantAlias, aliases_merged)
lifecycle.register(Event.MERGE, ParticipantMatchKey, match_keys_merged)
lifecycle.nothing_to_do(
    Event.MERGE, BreakGlassGrant,
    reason="a grant is an administrator's access to one record, opened with a reason for that record: "
    "moving it would give them the survivor's records, which nobody granted (decision 0029)",
)  # fmt: skip

lifecycle.nothing_to_do(
    Event.SEAL, (*OWN, BreakGlassGrant),
    reason="sealing hides the cleared infraction, which lives on the legal matter and its referral; the "
    "person's record in the program, their names and history are not the infraction",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.PURGE, (*OWN, BreakGlassGrant),
    reason="the purge erases the sealed infraction's details (legal matter, referral); the person stays a "
    "participant, and the legal matter lets go of them by keeping only person_key",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, Participant,
    reason="evidence.export reads it itself: person_key (a keyed hash of the id), the birth year and the "
    "first referral's day; never a name, a date of birth or a place",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, (ParticipantAlias, ParticipantMatchKey, ParticipantPhoto, StatusChange, BreakGlassGrant),
    reason="nothing of it is in the pseudonymous export (names, keys, photo, notes and access grants "
    "identify the person)",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, Participant,
    reason="a deactivated case manager's participants stay on their caseload until the program manager "
    "transfers each (the workgroup pack still counts them; the caseloads page lists active managers "
    "only: a gap to follow up)",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (ParticipantPhoto, StatusChange),
    reason="who added the photo or changed the status is the record's history, kept as it was",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, BreakGlassGrant,
    reason="a grant is the record of an access that was opened, with its reason, for the audit report; "
    "an inactive user cannot use one (every read asks the decision point, which refuses them)",
)  # fmt: skip

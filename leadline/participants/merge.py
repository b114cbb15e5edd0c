"""What happens to the participants app's own rows when a participant is merged into another: the lifecycle
MERGE handlers this app registers (participants.hooks), run by participants.services.participant_merge inside
its transaction in INSTALLED_APPS order with every other app's; none reads another app's rows, so the order
does not matter (decisions 0029 and 0035). The survivor's own row (its
identity fields, version and match keys) is participant_merge's, after every handler."""

from __future__ import annotations

from leadline.accounts.models import User
from leadline.participants.models import (
    Participant,
    ParticipantAlias,
    ParticipantMatchKey,
    ParticipantPhoto,
    StatusChange,
)
from leadline.participants.services import _key_counts_add


def participant_rows_merged(*, actor: User, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """The status history and the records merged into the duplicate earlier move (no chains to follow);
    the photo moves when the survivor has none (else the duplicate keeps its own)."""
    moved = {
        "status_changes": StatusChange.objects.filter(participant=duplicate).update(participant=survivor),
        "earlier_duplicates": Participant.objects.filter(merged_into=duplicate).update(merged_into=survivor),
    }
    if not ParticipantPhoto.objects.filter(participant=survivor).exists():
        moved["photo"] = ParticipantPhoto.objects.filter(participant=duplicate).update(participant=survivor)
    return moved


def aliases_merged(*, actor: User, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """The duplicate's names become the survivor's aliases: its alias rows move (one the survivor already
    has, or the survivor's own legal name, is the same name twice and goes), and its legal and preferred
    names are added."""
    own = f"{survivor.given_name} {survivor.family_name}"
    names = {f"{duplicate.given_name} {duplicate.family_name}", duplicate.preferred_name} - {"", own}
    have = set(survivor.aliases.values_list("name", flat=True))
    for alias in ParticipantAlias.objects.filter(participant=duplicate):
        if alias.name in have or alias.name == own:
            alias.delete()
        else:
            ParticipantAlias.objects.filter(pk=alias.pk).update(participant=survivor)
            have.add(alias.name)
    for name in sorted(names - have):
        ParticipantAlias.objects.get_or_create(participant=survivor, name=name[:200])
    return {}


def match_keys_merged(*, actor: User, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """The duplicate leaves the lookup: its blocking keys go (and their counts); the survivor's are
    rebuilt by participant_merge once its identity has taken the duplicate's names."""
    old = list(ParticipantMatchKey.objects.filter(participant=duplicate).values_list("key", flat=True))
    ParticipantMatchKey.objects.filter(participant=duplicate).delete()
    _key_counts_add(sorted(old), -1)
    return {}

from django.core.management.base import BaseCommand

from leadline.participants.models import Participant
from leadline.participants.services import participant_key_counts_rebuild, participant_match_keys_refresh


class Command(BaseCommand):
    help = "Rebuild every participant's matching keys (after matching.KEYS_VERSION changes)."

    def handle(self, *args, **options):
        count = 0
        for participant in Participant.objects.iterator():
            participant_match_keys_refresh(participant=participant)
            count += 1
        keys = participant_key_counts_rebuild()
        self.stdout.write(f"match keys rebuilt for {count} participants ({keys} distinct keys counted)")

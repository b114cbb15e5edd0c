from django.core.management.base import BaseCommand

from leadline.notifications.services import deliver_due


class Command(BaseCommand):
    help = "Send the email and SMS notifications that are due (first tries after quiet hours, and retries)."

    def handle(self, *args: object, **options: object) -> None:
        sent = deliver_due()
        self.stdout.write(f"{sent} notification(s) sent")

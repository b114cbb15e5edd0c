from django.core.management.base import BaseCommand, CommandError

from leadline.demo.seed import DEMO_PASSWORD, DemoRefused, seed_demo


class Command(BaseCommand):
    help = "Create or refresh the embedded demo site (synthetic people only) and print every role's login."

    def handle(self, *args, **options):
        try:
            users = seed_demo()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for du in users:
            role = du.role.value if du.role else "(no role: outsider)"
            self.stdout.write(f"  {du.username:<8} {role}")

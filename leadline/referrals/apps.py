from datetime import timedelta

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "leadline.referrals"
    label = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from leadline.core.worker import register_duty
        from leadline.referrals import (
            hooks,  # noqa: F401
            referrers,  # noqa: F401  (who referred whom, for consents)
        )

        # Every task worker also sweeps for unacknowledged hand-offs: a lost escalation task costs a minute.
        register_duty("handoff_sweep", "leadline.referrals.tasks.handoff_sweep", every=timedelta(minutes=1))

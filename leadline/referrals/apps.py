from datetime import timedelta

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "leadline.referrals"
    label = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from leadline.core.worker import register_duty
        from leadline.referrals import (
            events,
            hooks,  # noqa: F401
            inbox,  # noqa: F401  (its kinds of work in the "needs you" inbox)
            referrers,  # noqa: F401  (who referred whom, for consents)
        )
        from leadline.referrals.services import waiting

        # An approved community referral enters the waiting queue: the program managers are told.
        events.on_referral_decided(waiting.referral_decided)

        # Every task worker also sweeps for unacknowledged hand-offs: a lost escalation task costs a minute.
        register_duty("handoff_sweep", "leadline.referrals.tasks.handoff_sweep", every=timedelta(minutes=1))
        # ...and tells the program managers of every referral that entered the waiting queue untold.
        register_duty(
            "waiting_tell", "leadline.referrals.services.waiting.waiting_tell_due", every=timedelta(minutes=1)
        )

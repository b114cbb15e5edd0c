from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "leadline.participants"
    label = "participants"
    verbose_name = "Participants"

    def ready(self) -> None:
        from django.core.checks import register

        from leadline.participants import (
            hooks,  # noqa: F401
            timeline,  # noqa: F401  (its own source: status changes)
        )
        from leadline.participants.lifecycle import check_every_model_answers

        register(check_every_model_answers)

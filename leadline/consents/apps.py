from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "leadline.consents"
    label = "consents"
    verbose_name = "Consents"

    def ready(self) -> None:
        from leadline.consents import (
            hooks,  # noqa: F401
            inbox,  # noqa: F401  (registers its kinds of work in the "needs you" inbox)
            pages,  # noqa: F401  (registers its part of the participant page)
            timeline,  # noqa: F401  (its sources of the participant's timeline)
        )

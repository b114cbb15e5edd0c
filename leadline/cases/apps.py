from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "leadline.cases"
    label = "cases"
    verbose_name = "Case management"

    def ready(self) -> None:
        from leadline.cases import (
            hooks,  # noqa: F401
            inbox,  # noqa: F401  (registers its kinds of work in the "needs you" inbox)
            pages,  # noqa: F401  (registers its part of the participant page)
            timeline,  # noqa: F401  (its sources of the participant's timeline)
        )

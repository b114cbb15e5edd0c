from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "leadline.messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from leadline.messaging import (
            hooks,  # noqa: F401
            pages,  # noqa: F401  (registers its part of the participant page)
        )

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "leadline.messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from leadline.messaging import (
            hooks,  # noqa: F401
            inbox,  # noqa: F401  (registers its kind of work in the inbox)
            pages,  # noqa: F401  (registers its part of the participant page)
        )

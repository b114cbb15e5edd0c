from django.apps import AppConfig


class WorkgroupConfig(AppConfig):
    name = "leadline.workgroup"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from leadline.workgroup import (
            hooks,  # noqa: F401
            inbox,  # noqa: F401  (registers its kind of work in the inbox)
        )

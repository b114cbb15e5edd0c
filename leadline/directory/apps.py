from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "leadline.directory"
    label = "directory"
    verbose_name = "Service directory"

    def ready(self) -> None:
        from leadline.directory import (
            hooks,  # noqa: F401
            inbox,  # noqa: F401  (registers its kinds of work in the inbox)
            timeline,  # noqa: F401  (service referrals in the participant's timeline)
        )

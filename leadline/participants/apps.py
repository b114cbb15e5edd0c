from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "leadline.participants"
    label = "participants"
    verbose_name = "Participants"

    def ready(self) -> None:
        from leadline.participants import hooks  # noqa: F401

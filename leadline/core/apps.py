from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "leadline.core"
    label = "core"
    verbose_name = "Leadline core"

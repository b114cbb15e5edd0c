from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "leadline.consents"
    label = "consents"
    verbose_name = "Consents"

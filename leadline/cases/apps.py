from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "leadline.cases"
    label = "cases"
    verbose_name = "Case management"

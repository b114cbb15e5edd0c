from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "leadline.sites"
    label = "sites"
    verbose_name = "Site configuration"

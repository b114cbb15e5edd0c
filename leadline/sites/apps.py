from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "leadline.sites"
    label = "sites"
    verbose_name = "Site configuration"

    def ready(self) -> None:
        from leadline.core import clock
        from leadline.sites.middleware import site_time_zone

        clock.set_zone_source(site_time_zone)

from django.apps import AppConfig


class WebConfig(AppConfig):
    """The shell that composes pages from many apps: each role's home page and its day, the menu, the
    context every page gets, the admin site."""

    name = "leadline.web"
    label = "web"
    verbose_name = "Web shell"

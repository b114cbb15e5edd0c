from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages over every app: the home page (its "your day"), and later the menu, the context processors
    and the admin site (issue #16, decision 0035: the top of the layers)."""

    name = "leadline.web"
    label = "web"
    verbose_name = "Web"

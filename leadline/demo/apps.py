from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The embedded demo site (seed.py, `seed_demo`) and the test world (testing.py): the top layer, which
    may use every app and which no app uses."""

    name = "leadline.demo"
    label = "demo"
    verbose_name = "Demo site"

from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Reading the log: the audit reports and the break-glass page (issue #16)."""

    name = "leadline.oversight"
    label = "oversight"
    verbose_name = "Oversight"

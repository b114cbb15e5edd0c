from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The operational dashboard and the grant-report exports (issue #17 item 6; decision 0041)."""

    name = "leadline.operations"
    label = "operations"
    default_auto_field = "django.db.models.BigAutoField"

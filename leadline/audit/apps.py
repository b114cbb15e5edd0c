from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "leadline.audit"
    label = "audit"
    verbose_name = "Audit"

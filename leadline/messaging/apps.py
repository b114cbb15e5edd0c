from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "leadline.messaging"
    default_auto_field = "django.db.models.BigAutoField"

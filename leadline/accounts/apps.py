from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "leadline.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from leadline.accounts import checks, hooks, signals  # noqa: F401

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "leadline.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from leadline.accounts import checks, hooks, policy, signals  # noqa: F401
        from leadline.audit import services as audit_services

        # The audit trail (below accounts) marks law-enforcement access by the role table's own test.
        audit_services.law_enforcement_test_register(policy.is_law_enforcement)
